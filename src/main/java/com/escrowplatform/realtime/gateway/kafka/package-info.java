/**
 * The gateway's Kafka side and its start-up wiring. {@link com.escrowplatform.realtime.gateway.kafka.GatewayRuntime}
 * learns the topics at start-up and builds the {@link com.escrowplatform.realtime.gateway.kafka.KafkaKeyRoomPartitioner}
 * (rooms to partitions, as the producers key their records), the replay window, the cold
 * {@link com.escrowplatform.realtime.gateway.kafka.KafkaReplayReader} and the hub, which it produces as a bean;
 * the {@link com.escrowplatform.realtime.gateway.kafka.KafkaLiveConsumer} reads every partition and
 * publishes each record that passes {@link com.escrowplatform.realtime.gateway.kafka.CloudEventShape} to the hub; the
 * {@link com.escrowplatform.realtime.gateway.kafka.DeadLetterRouter} copies every record that breaks the shape to
 * {@code <topic>.dlq}. It may depend on the gateway's core, {@code gateway.event} and {@code gateway.replay}, and on
 * the service's {@code kafka}, {@code outbox} and {@code security} packages; nothing in the gateway depends on it.
 */
package com.escrowplatform.realtime.gateway.kafka;
