/**
 * The protocol-independent hub of the WebSocket gateway, and {@link com.escrowplatform.realtime.gateway.Gateway},
 * the one facade every protocol adapter calls. The {@link com.escrowplatform.realtime.gateway.Hub} keeps rooms as
 * two indexes (room to subscriptions, subscriber to rooms), fans each consumed event out to the local subscribers,
 * joins a resuming subscription to its replay without gap or duplicate, and enforces the per-socket limits
 * ({@link com.escrowplatform.realtime.gateway.HubLimits}, from {@link com.escrowplatform.realtime.gateway.GatewayConfig});
 * a socket is a {@link com.escrowplatform.realtime.gateway.Subscriber} with a byte budget, reached through the
 * {@link com.escrowplatform.realtime.gateway.Peer} its adapter implements. It may depend on {@code gateway.event},
 * {@code gateway.replay}, the service's {@code security} package (callers, party authorization) and {@code tracing}
 * (a traced event's delivery spans), on no
 * transport and not on Kafka: the Kafka side ({@code gateway.kafka}) builds the hub and feeds it, and the adapters
 * ({@code gateway.ws}, {@code gateway.socketio}) depend on this package, never the other way round. Public is only
 * what the adapters and the Kafka side use: a socket joins, subscribes and leaves through {@code Gateway} alone (the
 * hub's own {@code open}, {@code subscribe}, {@code unsubscribe} and {@code close} are package-private), and the
 * Kafka side builds the hub, publishes to it and reads its counters. The machinery ({@code Subscription},
 * {@code RoomIndex}, {@code SubscriptionsByRoom}, {@code RecentCeIds}, {@code TokenBucket}) is package-private.
 */
package com.escrowplatform.realtime.gateway;
