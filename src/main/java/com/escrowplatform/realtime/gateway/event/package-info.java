/**
 * What an event is and how it is named, for every other part of the gateway: the
 * {@link com.escrowplatform.realtime.gateway.event.Room} it belongs to (the one parser of room names), a consumed
 * record as a {@link com.escrowplatform.realtime.gateway.event.GatewayEvent} (with its wire frames, built once per
 * {@link com.escrowplatform.realtime.gateway.event.FrameCodec}), its place in the stream
 * ({@link com.escrowplatform.realtime.gateway.event.StreamPosition}, {@link com.escrowplatform.realtime.gateway.event.StreamPartition}),
 * the {@link com.escrowplatform.realtime.gateway.event.RoomPartitioner} that says in which partition a room's
 * events live, the event id codec ({@link com.escrowplatform.realtime.gateway.event.EventIds},
 * {@link com.escrowplatform.realtime.gateway.event.Varints}) and the contract's error codes
 * ({@link com.escrowplatform.realtime.gateway.event.ErrorCode}, carried by
 * {@link com.escrowplatform.realtime.gateway.event.GatewayException}). It depends on the JDK, Jackson's string
 * escaping, the outbox's list of event types, the user-id limit of {@code security.Caller} and the trace a traced
 * event carries ({@code tracing.EventTrace}) only: on nothing else of the gateway, so it is tested alone.
 */
package com.escrowplatform.realtime.gateway.event;
