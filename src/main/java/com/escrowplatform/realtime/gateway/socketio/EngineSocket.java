package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.HttpServerResponse;

/**
 * One Engine.IO v4 session ({@code sid}): its transport, its heartbeat and its outbound packets, carrying one
 * {@link SocketIoSession}.
 *
 * <h2>Transports</h2>
 * A session starts on a WebSocket, or on HTTP long-polling and may then upgrade: the client opens a WebSocket
 * with the same {@code sid}, probes it ({@code 2probe} → {@code 3probe}), and sends {@code 5}; from then on
 * every packet goes over the WebSocket. Packets wait in {@link #queue} only while no transport can take
 * them (between two polls, or during an upgrade); on a WebSocket they are handed over at once.
 *
 * <h2>Heartbeat</h2>
 * The server pings ({@code 2}) every {@code pingInterval} and closes the session when the pong ({@code 3})
 * has not come within {@code pingTimeout}.
 *
 * <h2>Threads and locks</h2>
 * Called from event loops (WebSocket and HTTP callbacks, timers) and from any thread that sends an event.
 * Its state is guarded by this object's monitor. The {@link SocketIoSession} lock may be held when
 * {@link #send} is called (it keeps the order of events and their offsets), so this class never calls the
 * Socket.IO session, or anything that could take its lock, while holding its own.
 */
final class EngineSocket {
    private static final Logger LOG = Logger.getLogger(EngineSocket.class);

    static final int CLOSE_NORMAL = 1000;
    static final int CLOSE_GOING_AWAY = 1001;
    static final int CLOSE_PROTOCOL_ERROR = 1002;
    static final int CLOSE_POLICY = 1008;

    /** A packet waiting for a transport, and what to run once it is written (or dropped). */
    private record Outgoing(String packet, Runnable written) {
    }

    final String sid;
    private final SocketIoServer server;
    private final SocketIoSession socket;

    // guarded by this
    private WebSocketConnection webSocket;
    private WebSocketConnection probe;
    private HttpServerResponse parkedPoll;
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private boolean closed;
    private long heartbeatTimer = -1;
    private boolean awaitingPong;
    /** A probe answered: every poll from now on is ended at once (noop), so the client can pause polling. */
    private boolean upgrading;

    private EngineSocket(SocketIoServer server, String sid) {
        this.server = server;
        this.sid = sid;
        this.socket = new SocketIoSession(server, this);
    }

    /** A session that starts on a WebSocket: sends the open packet and starts the heartbeat. */
    static EngineSocket overWebSocket(SocketIoServer server, WebSocketConnection connection) {
        EngineSocket engine = new EngineSocket(server, server.newSid());
        synchronized (engine) {
            engine.webSocket = connection;
            write(connection, server.openPacket(engine.sid, false), null);
            engine.scheduleHeartbeat();
        }
        return engine;
    }

    /** A session that starts on long-polling; the caller answers the first GET with {@link #openPacket}. */
    static EngineSocket overPolling(SocketIoServer server) {
        EngineSocket engine = new EngineSocket(server, server.newSid());
        synchronized (engine) {
            engine.scheduleHeartbeat();
        }
        return engine;
    }

    String openPacket() {
        return server.openPacket(sid, true);
    }

    SocketIoSession socket() {
        return socket;
    }

    /**
     * Queues one Engine.IO packet (e.g. {@code 42[…]}, a Socket.IO event) and writes it as soon as a
     * transport can take it, keeping the order of the calls. {@code written} (may be null) runs exactly once,
     * on any thread, when the packet was written or dropped. Never blocks.
     */
    void send(String packet, Runnable written) {
        synchronized (this) {
            if (!closed) {
                queue.add(new Outgoing(packet, written));
                flush();
                return;
            }
        }
        if (written != null) {
            written.run();
        }
    }

    // --- transports -------------------------------------------------------------------------------------------

    /** A text frame arrived on {@code connection}, the session's WebSocket or a probe. */
    void onWebSocketText(WebSocketConnection connection, String text) {
        boolean fromProbe;
        synchronized (this) {
            if (closed) {
                return;
            }
            fromProbe = connection == probe;
            if (fromProbe) {
                if ("2probe".equals(text)) {
                    write(connection, "3probe", null);
                    upgrading = true;
                    // let a waiting poll return, so that the client can pause polling and send the upgrade
                    answerPoll(List.of(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_NOOP), null)));
                    return;
                }
                if (text.length() == 1 && text.charAt(0) == SocketIoPackets.ENGINE_UPGRADE) {
                    webSocket = probe;
                    probe = null;
                    answerPoll(List.of(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_NOOP), null)));
                    flush();
                    return;
                }
            } else if (connection != webSocket) {
                return;
            }
        }
        if (fromProbe) {
            close(CLOSE_PROTOCOL_ERROR, "unexpected packet during upgrade");
            return;
        }
        onPacket(text);
    }

    /** A WebSocket of this session closed (the transport, or a probe that failed). */
    void onWebSocketClosed(WebSocketConnection connection) {
        synchronized (this) {
            if (connection == probe) {
                probe = null; // the upgrade failed: the session goes on polling
                return;
            }
            if (connection != webSocket) {
                return;
            }
        }
        close(CLOSE_NORMAL, "transport closed");
    }

    /** A client's WebSocket asks to upgrade this polling session; false when it cannot. */
    synchronized boolean startProbe(WebSocketConnection connection) {
        if (closed || webSocket != null || probe != null) {
            return false;
        }
        probe = connection;
        return true;
    }

    /** A long-polling GET: answered at once when packets wait, else parked until one does. */
    void onPoll(HttpServerResponse response) {
        synchronized (this) {
            if (!closed && webSocket == null && parkedPoll == null) {
                parkedPoll = response;
                if (upgrading && queue.isEmpty()) {
                    answerPoll(List.of(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_NOOP), null)));
                    return;
                }
                response.closeHandler(aborted -> {
                    synchronized (this) {
                        if (parkedPoll == response) {
                            parkedPoll = null;
                        }
                    }
                });
                flush();
                return;
            }
        }
        SocketIoServer.badRequest(response, 3, "Bad request");
        close(CLOSE_PROTOCOL_ERROR, "overlapping or late poll"); // as Engine.IO servers do: the client reconnects
    }

    /** A long-polling POST: packets separated by the record separator. */
    void onPost(String body) {
        int from = 0;
        while (from <= body.length()) {
            int end = body.indexOf(SocketIoPackets.RECORD_SEPARATOR, from);
            if (end < 0) {
                end = body.length();
            }
            onPacket(body.substring(from, end));
            from = end + 1;
        }
    }

    synchronized boolean isPolling() {
        return !closed && webSocket == null;
    }

    // --- packets ------------------------------------------------------------------------------------------

    private void onPacket(String text) {
        if (text.isEmpty()) {
            close(CLOSE_PROTOCOL_ERROR, "empty packet");
            return;
        }
        switch (text.charAt(0)) {
            case SocketIoPackets.ENGINE_MESSAGE:
                socket.onMessage(text.substring(1));
                return;
            case SocketIoPackets.ENGINE_PONG:
                onPong();
                return;
            case SocketIoPackets.ENGINE_CLOSE:
                close(CLOSE_NORMAL, "client closed");
                return;
            case SocketIoPackets.ENGINE_NOOP:
                return;
            default:
                close(CLOSE_PROTOCOL_ERROR, "unexpected packet");
        }
    }

    // --- heartbeat ----------------------------------------------------------------------------------------

    /** Under the lock. */
    private void scheduleHeartbeat() {
        heartbeatTimer = server.vertx().setTimer(server.pingIntervalMillis(), id -> ping());
    }

    private void ping() {
        synchronized (this) {
            if (closed) {
                return;
            }
            awaitingPong = true;
            queue.add(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_PING), null));
            flush();
            heartbeatTimer = server.vertx().setTimer(server.pingTimeoutMillis(), id -> pongMissing());
        }
    }

    private void pongMissing() {
        synchronized (this) {
            if (closed || !awaitingPong) {
                return;
            }
        }
        close(CLOSE_GOING_AWAY, "ping timeout");
    }

    private void onPong() {
        synchronized (this) {
            if (closed || !awaitingPong) {
                return;
            }
            awaitingPong = false;
            server.vertx().cancelTimer(heartbeatTimer);
            scheduleHeartbeat();
        }
    }

    // --- close --------------------------------------------------------------------------------------------

    /**
     * Ends the session: the transport is closed with {@code code} (a WebSocket close code; a waiting poll is
     * answered with the close packet), every queued packet is dropped, the Socket.IO session leaves the hub.
     * Idempotent; any thread.
     */
    void close(int code, String reason) {
        List<Outgoing> dropped;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            server.vertx().cancelTimer(heartbeatTimer);
            dropped = new ArrayList<>(queue);
            queue.clear();
            if (parkedPoll != null) {
                HttpServerResponse poll = parkedPoll;
                parkedPoll = null;
                SocketIoServer.answer(poll, String.valueOf(SocketIoPackets.ENGINE_CLOSE), null);
            }
            for (WebSocketConnection connection : new WebSocketConnection[] { webSocket, probe }) {
                if (connection != null) {
                    connection.close(new CloseReason(code, reason)).subscribe().with(x -> {
                    }, x -> {
                    });
                }
            }
        }
        LOG.debugf("engine.io session %s closed: %s", sid, reason);
        server.forget(this);
        for (Outgoing outgoing : dropped) {
            if (outgoing.written != null) {
                outgoing.written.run();
            }
        }
        socket.onEngineClosed();
    }

    // --- writing ------------------------------------------------------------------------------------------

    /** Under the lock: hands queued packets to the transport that can take them now. */
    private void flush() {
        if (queue.isEmpty()) {
            return;
        }
        if (webSocket != null) {
            Outgoing next;
            while ((next = queue.poll()) != null) {
                write(webSocket, next.packet, next.written);
            }
        } else if (parkedPoll != null) {
            List<Outgoing> batch = new ArrayList<>(queue);
            queue.clear();
            answerPoll(batch);
        }
    }

    /** Under the lock: answers the parked poll, if any, with {@code batch}. */
    private void answerPoll(List<Outgoing> batch) {
        if (parkedPoll == null) {
            return;
        }
        HttpServerResponse poll = parkedPoll;
        parkedPoll = null;
        List<String> packets = new ArrayList<>(batch.size());
        for (Outgoing outgoing : batch) {
            packets.add(outgoing.packet);
        }
        SocketIoServer.answer(poll, SocketIoPackets.joinForPolling(packets), () -> {
            for (Outgoing outgoing : batch) {
                if (outgoing.written != null) {
                    outgoing.written.run();
                }
            }
        });
    }

    private static void write(WebSocketConnection connection, String packet, Runnable written) {
        connection.sendText(packet).subscribe().with(ok -> {
            if (written != null) {
                written.run();
            }
        }, failed -> {
            if (written != null) {
                written.run();
            }
        });
    }
}
