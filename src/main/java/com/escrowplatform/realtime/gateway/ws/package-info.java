/**
 * The native JSON protocol on {@code /ws} (CONTRACT 5), a thin adapter over the hub: the upgrade is authenticated
 * and checked (origin, query token, frame size) before a socket exists, each socket is a
 * {@link com.escrowplatform.realtime.gateway.Peer} that writes on its event loop, one heartbeat tick pings, reaps
 * and expires every socket, and rooms, authorization, replay and limits are the
 * {@link com.escrowplatform.realtime.gateway.Gateway}'s. It may depend on the gateway's core and
 * {@code gateway.event}, and on the service's {@code security} and {@code web} packages; never on the replay
 * machinery or Kafka.
 */
package com.escrowplatform.realtime.gateway.ws;
