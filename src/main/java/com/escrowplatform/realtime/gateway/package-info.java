/**
 * The protocol-independent core of the WebSocket gateway: rooms, fan-out, replay and event ids.
 *
 * <p>Data flows: the live consumer turns each Kafka record into a {@link com.escrowplatform.realtime.gateway.GatewayEvent}
 * and calls {@link com.escrowplatform.realtime.gateway.Hub#publish}; the hub appends it to the
 * {@link com.escrowplatform.realtime.gateway.ReplayWindow} and hands it to every local subscriber's
 * {@link com.escrowplatform.realtime.gateway.Peer}, which a protocol adapter (native JSON, Socket.IO) implements.
 * A reconnecting client presents an event id ({@link com.escrowplatform.realtime.gateway.EventIds}); the hub
 * resumes it from the window, or from a {@link com.escrowplatform.realtime.gateway.ColdReplay} reader when the
 * window no longer holds the position, or answers "not recovered"
 * ({@link com.escrowplatform.realtime.gateway.ReplayResult}).
 *
 * <p>Public types are what adapters and the consumer call; the machinery ({@code Subscription},
 * {@code RoomIndex}, {@code RecentCeIds}, {@code TokenBucket}) is package-private.
 *
 * <p>What the package holds today: the hub and its parts ({@code Hub}, {@code Session}, the replay window, event
 * ids, limits) use plain JDK types only, so they are tested with stub peers without Quarkus; {@code GatewayEvent}
 * adds Jackson's string escaping. Beside them live the Kafka side ({@code KafkaLiveConsumer},
 * {@code KafkaReplayReader}, {@code DeadLetterRouter}, {@code CloudEventShape}, {@code KafkaKeyRoomPartitioner}),
 * the CDI wiring and metrics ({@code Gateway}, {@code GatewayRuntime}) and the SmallRye configuration mappings
 * ({@code GatewayConfig}, {@code LiveConsumerConfig}). No transport types: the WebSocket adapters are in the
 * {@code ws} and {@code socketio} sub-packages.
 */
package com.escrowplatform.realtime.gateway;
