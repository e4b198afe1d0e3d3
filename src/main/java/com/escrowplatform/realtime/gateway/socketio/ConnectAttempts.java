package com.escrowplatform.realtime.gateway.socketio;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The CONNECTs of one Socket.IO socket until one is verified: how long it may go unauthenticated, the newest
 * CONNECT waiting behind the one being verified, and how many did not connect.
 *
 * <p>Why the bounds: verifying a token costs a signature check, and an unauthenticated socket holds a file and
 * memory. So a socket that is not connected {@code connect-timeout} after it opened (or after a DISCONNECT) is
 * closed, and the {@code max-refused-connects}-th CONNECT that does not end connected (refused, or replaced by a
 * newer one before its answer) closes it too.
 *
 * <p>Not thread-safe: guarded by the lock of the {@link SocketIoPeer} that owns it. Never calls the peer; the
 * timeout task runs later, on a timer thread, without the lock.
 */
final class ConnectAttempts {
    private final SocketIoServer server;

    private long timeoutTimer = -1;
    /** Counted in {@link SocketIoServer}'s open sessions without an authenticated socket. */
    private boolean countedUnauthenticated;
    /** The auth payload of the newest CONNECT that came while another was being verified. */
    private JsonNode newer;
    private int refused;

    ConnectAttempts(SocketIoServer server) {
        this.server = server;
    }

    /** Not connected from now on: {@code onTimeout} runs unless {@link #connected} is called in time. */
    void awaitConnect(Runnable onTimeout) {
        if (!countedUnauthenticated) {
            countedUnauthenticated = true;
            server.unauthenticatedEngineSockets().incrementAndGet();
        }
        timeoutTimer = server.timers().schedule(server.connectTimeoutMillis(), onTimeout);
    }

    /** Authenticated, or gone: no timeout any more. */
    void connected() {
        server.timers().cancel(timeoutTimer);
        if (countedUnauthenticated) {
            countedUnauthenticated = false;
            server.unauthenticatedEngineSockets().decrementAndGet();
        }
    }

    /** The socket closed: no timeout, and no CONNECT waits any more. */
    void closed() {
        connected();
        newer = null;
    }

    /** A CONNECT came while another is being verified; it replaces any that already waited. */
    void waitBehind(JsonNode auth) {
        newer = auth;
    }

    /** True when a newer CONNECT waits, so the one being verified is not answered. */
    boolean replaced() {
        return newer != null;
    }

    /** The waiting CONNECT, which is no longer waiting; null when none. */
    JsonNode takeNewer() {
        JsonNode next = newer;
        newer = null;
        return next;
    }

    /** One more CONNECT that did not connect; true when that was the last one allowed. */
    boolean refuse() {
        server.refusedConnects().increment();
        return ++refused >= server.maxRefusedConnects();
    }
}
