package com.escrowplatform.realtime.gateway.socketio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.ws.SocketFailures;

/**
 * One Engine.IO v4 session ({@code sid}): its transport, its heartbeat and its outbound packets, carrying one
 * {@link SocketIoPeer}.
 *
 * <h2>Transports</h2>
 * A session starts on a WebSocket, or on HTTP long-polling and may then upgrade: the client opens a WebSocket
 * with the same {@code sid}, probes it ({@code 2probe} → {@code 3probe}), and sends {@code 5}; from then on
 * every packet goes over the WebSocket. Packets wait in {@link #queue} only while no transport can take
 * them (between two polls, or during an upgrade); on a WebSocket they are handed over at once.
 *
 * <h2>The upgrade takes effect in the client's order</h2>
 * The probe's frames arrive on the WebSocket's event loop, the polls on their HTTP connection's, so a poll the
 * client sent after {@code 5} may be handled before it. Once the probe is answered no packet goes to a poll any
 * more: a poll that waits is ended with a noop only after {@value #FAST_UPGRADE_CHECK_MS} ms (the pause the
 * client needs to send {@code 5}, as the reference server's check interval), and a poll still waiting when
 * {@code 5} arrives gets 400, as every poll after the upgrade does. So the outcome does not depend on which
 * event loop ran first. A probe that does not complete the upgrade within {@value #UPGRADE_TIMEOUT_MS} ms is
 * closed and the session goes on polling.
 *
 * <h2>Heartbeat</h2>
 * The server pings ({@code 2}) every {@code pingInterval} and closes the session when the pong ({@code 3})
 * has not come within {@code pingTimeout}.
 *
 * <h2>Threads and locks</h2>
 * Called from event loops (WebSocket and HTTP callbacks, timers) and from any thread that sends an event.
 * Its state is guarded by this object's monitor. The {@link SocketIoPeer} lock may be held when
 * {@link #send} is called (it keeps the order of events and their offsets), so this class never calls the
 * Socket.IO socket, or anything that could take its lock, while holding its own; under its lock it calls only
 * the {@link TextTransport}, the {@link PollResponse} of a poll and the timers.
 */
final class EngineSocket {
    private static final Logger LOG = Logger.getLogger(EngineSocket.class);


    static final long FAST_UPGRADE_CHECK_MS = 100;
    static final long UPGRADE_TIMEOUT_MS = 10_000;

    /**
     * A packet waiting for a transport, and what to run once it is written (or dropped): {@code sharedHead}'s UTF-8
     * (an event's frame, shared by every socket; null for most packets) followed by {@code packet}.
     */
    private record Outgoing(ByteBuffer sharedHead, String packet, Runnable written) {
        Outgoing(String packet, Runnable written) {
            this(null, packet, written);
        }

        String text() {
            return sharedHead == null ? packet : StandardCharsets.UTF_8.decode(sharedHead.duplicate()) + packet;
        }
    }

    final String sid;
    private final SocketIoServer server;
    private final SocketIoPeer peer;

    // guarded by this
    private TextTransport webSocket;
    private TextTransport probe;
    private PollResponse parkedPoll;
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private boolean closed;
    /** The code the session was closed with; a POST whose packets closed it for bad input gets 400. */
    private int closeCode;
    private long heartbeatTimer = -1;
    private boolean awaitingPong;
    /** A probe answered: no packet goes to a poll any more; a waiting poll is ended with a noop (see above). */
    private boolean upgrading;
    private long fastUpgradeTimer = -1;
    private long upgradeTimer = -1;

    private EngineSocket(SocketIoServer server, String sid) {
        this.server = server;
        this.sid = sid;
        this.peer = new SocketIoPeer(server, this);
    }

    /** A session that starts on a WebSocket: sends the open packet and starts the heartbeat. */
    static EngineSocket overWebSocket(SocketIoServer server, TextTransport connection) {
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

    SocketIoPeer peer() {
        return peer;
    }

    /**
     * Queues one Engine.IO packet (e.g. {@code 42[…]}, a Socket.IO event) and writes it as soon as a
     * transport can take it, keeping the order of the calls. {@code written} (may be null) runs exactly once,
     * on any thread, when the packet was written or dropped. Never blocks.
     */
    void send(String packet, Runnable written) {
        send(new Outgoing(packet, written));
    }

    /**
     * {@link #send} of the packet {@code sharedHead + tail}, where {@code sharedHead} is an event's frame in UTF-8,
     * shared by every socket it goes to: a WebSocket writes those same bytes, never a copy.
     */
    void sendEvent(ByteBuffer sharedHead, String tail, Runnable written) {
        send(new Outgoing(sharedHead, tail, written));
    }

    private void send(Outgoing outgoing) {
        synchronized (this) {
            if (!closed) {
                queue.add(outgoing);
                flush();
                return;
            }
        }
        if (outgoing.written != null) {
            outgoing.written.run();
        }
    }

    // --- transports -------------------------------------------------------------------------------------------

    /** A text frame arrived on {@code connection}, the session's WebSocket or a probe. */
    void onWebSocketText(TextTransport connection, String text) {
        boolean fromProbe;
        synchronized (this) {
            if (closed) {
                return;
            }
            fromProbe = connection == probe;
            if (fromProbe) {
                if ("2probe".equals(text)) {
                    write(connection, "3probe", null);
                    if (!upgrading) {
                        upgrading = true;
                        // the client pauses polling: let a waiting poll return soon, unless 5 comes first
                        fastUpgradeTimer = server.timers().every(FAST_UPGRADE_CHECK_MS, this::endWaitingPollForUpgrade);
                    }
                    return;
                }
                if (text.length() == 1 && text.charAt(0) == SocketIoPackets.ENGINE_UPGRADE) {
                    completeUpgrade();
                    return;
                }
            } else if (connection != webSocket) {
                return;
            }
        }
        if (fromProbe) {
            closeForClientError(CloseCodes.PROTOCOL_ERROR, "unexpected packet during upgrade");
            return;
        }
        onPacket(text);
    }

    /** A binary frame arrived on {@code connection}: not supported, the session is closed. */
    void onWebSocketBinary(TextTransport connection) {
        synchronized (this) {
            if (closed || (connection != webSocket && connection != probe)) {
                return;
            }
        }
        closeForClientError(CloseCodes.UNSUPPORTED_DATA, "binary packets are not supported");
    }

    /** Under the lock: {@code 5} on the probe. From now on the probe is the transport; polls get 400. */
    private void completeUpgrade() {
        webSocket = probe;
        probe = null;
        endUpgrade();
        if (parkedPoll != null) {
            PollResponse poll = parkedPoll;
            parkedPoll = null;
            poll.badRequest(3, "Bad request");
        }
        flush();
    }

    /** Under the lock: the probe's timers are done with (upgraded, or the probe failed). */
    private void endUpgrade() {
        upgrading = false;
        server.timers().cancel(fastUpgradeTimer);
        server.timers().cancel(upgradeTimer);
        fastUpgradeTimer = -1;
        upgradeTimer = -1;
    }

    /** Every {@value #FAST_UPGRADE_CHECK_MS} ms after {@code 2probe}: a waiting poll gets a noop, so the client can send {@code 5}. */
    private void endWaitingPollForUpgrade() {
        synchronized (this) {
            if (!closed && upgrading) {
                answerPoll(List.of(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_NOOP), null)));
            }
        }
    }

    private void upgradeTimedOut(TextTransport connection) {
        synchronized (this) {
            if (connection != probe) {
                return;
            }
        }
        // its close ends the probe in onWebSocketClosed
        connection.close(CloseCodes.POLICY_VIOLATION, "upgrade timeout");
    }

    /** A WebSocket of this session closed (the transport, or a probe that failed). */
    void onWebSocketClosed(TextTransport connection) {
        synchronized (this) {
            if (connection == probe) {
                probe = null; // the upgrade failed: the session goes on polling
                endUpgrade();
                flush();
                return;
            }
            if (connection != webSocket) {
                return;
            }
        }
        close(CloseCodes.NORMAL, "transport closed");
    }

    /** A client's WebSocket asks to upgrade this polling session; false when it cannot. */
    synchronized boolean startProbe(TextTransport connection) {
        if (closed || webSocket != null || probe != null) {
            return false;
        }
        probe = connection;
        upgradeTimer = server.timers().schedule(UPGRADE_TIMEOUT_MS, () -> upgradeTimedOut(connection));
        return true;
    }

    /**
     * A long-polling GET: answered at once when packets wait, else parked until one does. After the upgrade
     * (or the end of the session) it gets 400 and the session goes on; a second poll while one waits ends the
     * session, as Engine.IO servers do (the client reconnects).
     */
    void onPoll(PollResponse response) {
        synchronized (this) {
            if (closed || webSocket != null) {
                response.badRequest(closed ? 1 : 3, closed ? "Session ID unknown" : "Bad request");
                return;
            }
            if (parkedPoll == null) {
                parkedPoll = response;
                response.onAbort(() -> {
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
        response.badRequest(3, "Bad request");
        closeForClientError(CloseCodes.PROTOCOL_ERROR, "overlapping poll");
    }

    /**
     * A long-polling POST: packets separated by the record separator, answered {@code ok}; 400 after the
     * upgrade, or when a packet broke the protocol (the session is closed then).
     */
    void onPost(String body, PollResponse response) {
        synchronized (this) {
            if (closed || webSocket != null) {
                response.badRequest(closed ? 1 : 3, closed ? "Session ID unknown" : "Bad request");
                return;
            }
        }
        int from = 0;
        while (from <= body.length()) {
            int end = body.indexOf(SocketIoPackets.RECORD_SEPARATOR, from);
            if (end < 0) {
                end = body.length();
            }
            onPacket(body.substring(from, end));
            from = end + 1;
            synchronized (this) {
                if (closed) {
                    break;
                }
            }
        }
        int code;
        synchronized (this) {
            code = closed ? closeCode : CloseCodes.NORMAL;
        }
        if (code == CloseCodes.PROTOCOL_ERROR || code == CloseCodes.UNSUPPORTED_DATA) {
            response.badRequest(3, "Bad request");
        } else {
            response.answer("ok", null);
        }
    }

    /** A long-polling GET is parked, waiting for packets. */
    synchronized boolean pollWaiting() {
        return parkedPoll != null;
    }

    // --- packets ------------------------------------------------------------------------------------------

    private void onPacket(String text) {
        if (text.isEmpty()) {
            closeForClientError(CloseCodes.PROTOCOL_ERROR, "empty packet");
            return;
        }
        switch (text.charAt(0)) {
            case SocketIoPackets.ENGINE_MESSAGE:
                peer.onMessage(text.substring(1));
                return;
            case SocketIoPackets.ENGINE_PONG:
                onPong();
                return;
            case SocketIoPackets.ENGINE_CLOSE:
                closeByClient();
                return;
            case SocketIoPackets.ENGINE_NOOP:
                return;
            case SocketIoPackets.ENGINE_BINARY:
                closeForClientError(CloseCodes.UNSUPPORTED_DATA, "binary packets are not supported");
                return;
            default:
                closeForClientError(CloseCodes.PROTOCOL_ERROR, "unexpected packet");
        }
    }

    /** The client's close packet: a waiting poll is ended with a noop (not the close packet), then the session closes. */
    private void closeByClient() {
        synchronized (this) {
            answerPoll(List.of(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_NOOP), null)));
        }
        close(CloseCodes.NORMAL, "client closed");
    }

    // --- heartbeat ----------------------------------------------------------------------------------------

    /** Under the lock. */
    private void scheduleHeartbeat() {
        heartbeatTimer = server.timers().schedule(server.pingIntervalMillis(), this::ping);
    }

    private void ping() {
        synchronized (this) {
            if (closed) {
                return;
            }
            awaitingPong = true;
            queue.add(new Outgoing(String.valueOf(SocketIoPackets.ENGINE_PING), null));
            flush();
            heartbeatTimer = server.timers().schedule(server.pingTimeoutMillis(), this::pongMissing);
        }
    }

    private void pongMissing() {
        synchronized (this) {
            if (closed || !awaitingPong) {
                return;
            }
        }
        close(CloseCodes.GOING_AWAY, "ping timeout");
    }

    private void onPong() {
        synchronized (this) {
            if (closed || !awaitingPong) {
                return;
            }
            awaitingPong = false;
            server.timers().cancel(heartbeatTimer);
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
        close(code, reason, false);
    }

    /** Ends the session for what its client sent (1002, 1003): as {@link #close}, and counted by protocol and code. */
    void closeForClientError(int code, String reason) {
        close(code, reason, true);
    }

    private void close(int code, String reason, boolean clientError) {
        List<Outgoing> dropped;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closeCode = code;
            server.timers().cancel(heartbeatTimer);
            endUpgrade();
            dropped = new ArrayList<>(queue);
            queue.clear();
            if (parkedPoll != null) {
                PollResponse poll = parkedPoll;
                parkedPoll = null;
                poll.answer(String.valueOf(SocketIoPackets.ENGINE_CLOSE), null);
            }
            for (TextTransport connection : new TextTransport[] { webSocket, probe }) {
                if (connection != null) {
                    connection.close(code, reason);
                }
            }
        }
        if (clientError) {
            server.socketFailures().protocolClose(SocketFailures.Protocol.SOCKETIO, code).increment();
        }
        LOG.debugf("engine.io session %s closed with %d: %s", sid, code, reason);
        server.forget(this);
        for (Outgoing outgoing : dropped) {
            if (outgoing.written != null) {
                outgoing.written.run();
            }
        }
        peer.onEngineClosed();
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
                if (next.sharedHead != null) {
                    webSocket.sendEvent(next.sharedHead, next.packet, next.written);
                } else {
                    write(webSocket, next.packet, next.written);
                }
            }
        } else if (parkedPoll != null && !upgrading) {
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
        PollResponse poll = parkedPoll;
        parkedPoll = null;
        List<String> packets = new ArrayList<>(batch.size());
        for (Outgoing outgoing : batch) {
            packets.add(outgoing.text());
        }
        poll.answer(SocketIoPackets.joinForPolling(packets), () -> {
            for (Outgoing outgoing : batch) {
                if (outgoing.written != null) {
                    outgoing.written.run();
                }
            }
        });
    }

    private static void write(TextTransport transport, String packet, Runnable written) {
        transport.sendText(packet, written);
    }
}
