package com.escrowplatform.realtime.gateway.socketio;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Socket.IO adapter's settings ({@code docs/socketio.md}); the gateway's limits apply as well. */
@ConfigMapping(prefix = "escrow.socketio")
public interface SocketIoConfig {

    /** Serve {@code /socket.io/} at all. */
    @WithDefault("true")
    boolean enabled();

    /** How often the server sends an Engine.IO ping (the {@code pingInterval} of the open packet). */
    @WithDefault("25s")
    Duration pingInterval();

    /** How long the server waits for the pong before it closes the connection ({@code pingTimeout}). */
    @WithDefault("20s")
    Duration pingTimeout();

    /**
     * How long a new Engine.IO session may take to CONNECT with a valid token (the Socket.IO server's
     * {@code connectTimeout}); after it, or after a DISCONNECT, the session is closed (WebSocket close 1008).
     */
    @WithDefault("45s")
    Duration connectTimeout();

    /**
     * Refused CONNECTs (a bad or missing token, too many connections, or one replaced by a newer CONNECT
     * before its answer) one Engine.IO session may send: the last is answered, then the session is closed (1008).
     */
    @WithDefault("5")
    int maxRefusedConnects();

    /** Serve the HTTP long-polling transport (and its upgrade to WebSocket); off: polling gets HTTP 400. */
    @WithDefault("true")
    boolean pollingEnabled();

    /**
     * Hand out {@code pid} and offsets for connection-state recovery. Off: no pid, events carry no offset,
     * every reconnect is a fresh connect.
     */
    @WithDefault("true")
    boolean recoveryEnabled();

    /**
     * The secret (at least 16 bytes) that signs recovery pids and offsets; every instance behind one address
     * must have the same. When unset, each instance draws its own at start, so a client recovers only on the
     * instance it left.
     */
    Optional<String> recoverySecret();
}
