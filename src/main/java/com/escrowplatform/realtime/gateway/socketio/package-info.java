/**
 * The Socket.IO protocol on {@code /socket.io/} (Engine.IO v4, Socket.IO v5, CONTRACT 7), a thin adapter over the
 * hub: Engine.IO sessions over WebSocket and long-polling, the CONNECT token check, Socket.IO packets and acks, and
 * connection-state recovery with signed, stateless offsets; rooms, authorization, replay and limits are the
 * {@link com.escrowplatform.realtime.gateway.Gateway}'s. It may depend on the gateway's core and
 * {@code gateway.event}, on {@code gateway.ws} for the shared socket-failure accounting, and on the service's
 * {@code security} package; never on the replay machinery or Kafka.
 */
package com.escrowplatform.realtime.gateway.socketio;
