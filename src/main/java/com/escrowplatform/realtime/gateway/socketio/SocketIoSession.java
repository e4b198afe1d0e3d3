package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.ErrorCode;
import com.escrowplatform.realtime.gateway.EventIds;
import com.escrowplatform.realtime.gateway.GatewayEvent;
import com.escrowplatform.realtime.gateway.GatewayException;
import com.escrowplatform.realtime.gateway.Peer;
import com.escrowplatform.realtime.gateway.Session;
import com.escrowplatform.realtime.gateway.StreamPosition;
import com.escrowplatform.realtime.gateway.Subscribed;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.MalformedPacket;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.Packet;
import com.escrowplatform.realtime.security.Caller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The main namespace of one Engine.IO session: CONNECT with the token, {@code subscribe} / {@code unsubscribe}
 * events answered by acks (CONTRACT 7), events out, and connection-state recovery. Rooms, authorization,
 * replay and limits are the shared {@link com.escrowplatform.realtime.gateway.Gateway}'s; this class only
 * speaks the protocol.
 *
 * <h2>Recovery offsets, and what they cost</h2>
 * With recovery on, this socket remembers, per room, the position up to which it has handed the room's
 * events to the transport ({@link #rooms}), and appends a signed offset of that map to every event
 * ({@link RecoveryTokens}). The event's own part ({@code 42["type",{id,room,data}}) is still built once per
 * event for all sockets; per socket and event it costs one map update, one HMAC-SHA256 over about 20 bytes
 * per room, a Base64 encoding and one string concatenation: a few microseconds and 100–200 more bytes on the
 * wire for a socket in a handful of rooms. After each subscribe or unsubscribe the socket also gets a
 * {@value #OFFSET_EVENT} event with no payload but the new offset, so that a room joined before its first
 * event is recovered too.
 *
 * <h2>CONNECT</h2>
 * The token is verified off the event loop. A CONNECT that arrives while the previous one is still being
 * verified replaces it (a client that refreshed its token and called {@code socket.connect()} again): only the
 * newest is answered, and at most one verification runs per session. Every CONNECT that does not end connected
 * (refused, or replaced) counts; the {@code max-refused-connects}-th is answered and the session closed (1008),
 * so a session cannot buy signature checks without bound. A session that is not connected
 * {@code connect-timeout} after it opened (or after a DISCONNECT) is closed (1008).
 *
 * <h2>Threads and locks</h2>
 * Packets arrive on event loops; events from the hub on any thread. State is guarded by this object's
 * monitor, held while an event's frame is built and queued so that offsets and frames keep one order. The
 * hub calls {@link #send} under its subscription lock, so this class never calls the gateway while holding
 * its own lock (that would invert the order and deadlock).
 */
final class SocketIoSession implements Peer {
    private static final Logger LOG = Logger.getLogger(SocketIoSession.class);

    /** The event that carries nothing but a fresh recovery offset. */
    static final String OFFSET_EVENT = "recovery:offset";

    private enum State {
        AWAITING_CONNECT, AUTHENTICATING, RECOVERING, CONNECTED, LEFT, CLOSED
    }

    private final SocketIoServer server;
    private final EngineSocket engine;

    // guarded by this
    private State state = State.AWAITING_CONNECT;
    private Caller caller;
    private Session session;
    private long nonce;
    private String pid;
    private final Map<String, StreamPosition> rooms = new LinkedHashMap<>();
    /** Events handed over while a recovery runs, sent (or dropped) once it is decided. */
    private List<GatewayEvent> held;
    private long expiryTimer = -1;
    /** The newest CONNECT payload that came while another was being verified; replaces that one. */
    private JsonNode pendingConnect;
    private int refusedConnects;
    private long connectTimer = -1;
    /** Counted in {@link SocketIoServer}'s open sessions without an authenticated socket. */
    private boolean countedUnauthenticated;

    SocketIoSession(SocketIoServer server, EngineSocket engine) {
        this.server = server;
        this.engine = engine;
        synchronized (this) {
            awaitConnect();
        }
    }

    /** Under the lock: not connected from now on; closed unless a CONNECT succeeds within the connect timeout. */
    private void awaitConnect() {
        if (!countedUnauthenticated) {
            countedUnauthenticated = true;
            server.unauthenticatedSessions().incrementAndGet();
        }
        connectTimer = server.vertx().setTimer(server.connectTimeoutMillis(), id -> connectTimedOut());
    }

    /** Under the lock: authenticated, or gone. */
    private void stopAwaitingConnect() {
        server.vertx().cancelTimer(connectTimer);
        if (countedUnauthenticated) {
            countedUnauthenticated = false;
            server.unauthenticatedSessions().decrementAndGet();
        }
    }

    private void connectTimedOut() {
        synchronized (this) {
            if (state != State.AWAITING_CONNECT && state != State.AUTHENTICATING && state != State.LEFT) {
                return;
            }
        }
        server.connectTimeouts().increment();
        engine.close(EngineSocket.CLOSE_POLICY, "connect timeout");
    }

    // --- packets from the client ------------------------------------------------------------------------------

    /** The payload of one Engine.IO message. Malformed packets close the connection. */
    void onMessage(String text) {
        Packet packet;
        try {
            packet = SocketIoPackets.parse(text);
        } catch (SocketIoPackets.BinaryPacket e) {
            engine.close(EngineSocket.CLOSE_UNSUPPORTED_DATA, e.getMessage());
            return;
        } catch (MalformedPacket e) {
            engine.close(EngineSocket.CLOSE_PROTOCOL_ERROR, "malformed packet: " + e.getMessage());
            return;
        }
        if (packet.type() == SocketIoPackets.CONNECT) {
            onConnect(packet);
            return;
        }
        State now;
        synchronized (this) {
            now = state;
        }
        if (!SocketIoPackets.MAIN_NAMESPACE.equals(packet.namespace()) || now != State.CONNECTED) {
            return; // for a namespace this socket is not connected to: ignored, as Socket.IO servers do
        }
        switch (packet.type()) {
            case SocketIoPackets.EVENT:
                onEvent(packet);
                return;
            case SocketIoPackets.DISCONNECT:
                leave();
                return;
            default:
                return; // an ACK: the server never asks for one
        }
    }

    private void onConnect(Packet packet) {
        if (!SocketIoPackets.MAIN_NAMESPACE.equals(packet.namespace())) {
            reply(SocketIoPackets.connectError(packet.namespace(), "Invalid namespace"));
            return;
        }
        JsonNode auth = packet.data() == null ? NullNode.instance : packet.data();
        boolean verify = false;
        boolean protocolError = false;
        boolean tooMany = false;
        synchronized (this) {
            switch (state) {
                case AWAITING_CONNECT -> {
                    state = State.AUTHENTICATING;
                    verify = true;
                }
                case AUTHENTICATING -> {
                    if (session != null) {
                        protocolError = true; // verified already: connecting
                    } else if (pendingConnect != null) {
                        tooMany = countRefusal(); // replaced before it was even verified
                    }
                    if (!protocolError) {
                        pendingConnect = auth;
                    }
                }
                // a CONNECT while connected or after leaving breaks the protocol
                default -> protocolError = true;
            }
        }
        if (protocolError) {
            engine.close(EngineSocket.CLOSE_PROTOCOL_ERROR, "CONNECT while connected");
        } else if (tooMany) {
            reply(SocketIoPackets.connectError(SocketIoPackets.MAIN_NAMESPACE, "unauthorized"));
            closeForRefusedConnects();
        } else if (verify) {
            authenticate(auth);
        }
    }

    /** In state AUTHENTICATING; completes on the event loop. */
    private void authenticate(JsonNode auth) {
        JsonNode token = auth.get("token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            refuse("unauthorized");
            return;
        }
        String presentedPid = text(auth, "pid");
        String presentedOffset = text(auth, "offset");
        server.authenticator().verify(token.asText()).onComplete(result -> {
            if (result.failed()) {
                LOG.debugf("socket.io connect refused: %s", result.cause().getMessage());
                refuse("unauthorized");
            } else if (replaced()) {
                refuse("unauthorized"); // not answered: the newer CONNECT is verified instead
            } else {
                connect(result.result(), presentedPid, presentedOffset);
            }
        });
    }

    private synchronized boolean replaced() {
        return pendingConnect != null;
    }

    /**
     * The CONNECT being verified does not connect. When a newer one waits, that one is verified and the old one
     * gets no answer; else CONNECT_ERROR {@code message}. Either way it counts towards max-refused-connects.
     */
    private void refuse(String message) {
        JsonNode next;
        boolean tooMany;
        synchronized (this) {
            if (state != State.AUTHENTICATING) {
                return; // the session closed meanwhile
            }
            tooMany = countRefusal();
            next = tooMany ? null : pendingConnect;
            pendingConnect = null;
            if (next == null) {
                state = State.AWAITING_CONNECT;
            }
        }
        if (next != null) {
            authenticate(next);
            return;
        }
        reply(SocketIoPackets.connectError(SocketIoPackets.MAIN_NAMESPACE, message));
        if (tooMany) {
            closeForRefusedConnects();
        }
    }

    /** Under the lock: one more CONNECT that did not connect; true when that was the last one allowed. */
    private boolean countRefusal() {
        server.refusedConnects().increment();
        return ++refusedConnects >= server.maxRefusedConnects();
    }

    private void closeForRefusedConnects() {
        server.refusedConnectCloses().increment();
        engine.close(EngineSocket.CLOSE_POLICY, "too many refused CONNECTs");
    }

    private void connect(SocketIoAuthenticator.Verified verified, String presentedPid, String presentedOffset) {
        Caller who = verified.caller();
        long msLeft = verified.expiresAtEpochSecond() * 1000 - System.currentTimeMillis();
        if (msLeft <= 0) {
            refuse("unauthorized");
            return;
        }
        Optional<RecoveryTokens.Resumable> resumable = server.recovery() == null || presentedPid == null
                ? Optional.empty()
                : server.recovery().resume(who.userId(), presentedPid, presentedOffset);
        Optional<Session> opened = server.gateway().open(this, who);
        if (opened.isEmpty()) {
            refuse("too many connections");
            return;
        }
        boolean connected;
        synchronized (this) {
            // not when the engine closed while the token was checked, nor when a newer CONNECT came meanwhile
            connected = state == State.AUTHENTICATING && pendingConnect == null;
            if (connected) {
                stopAwaitingConnect();
                caller = who;
                session = opened.get();
                expiryTimer = server.vertx().setTimer(msLeft,
                        id -> engine.close(EngineSocket.CLOSE_POLICY, "authentication expired"));
                if (resumable.isPresent()) {
                    state = State.RECOVERING;
                    held = new ArrayList<>();
                    nonce = resumable.get().nonce();
                    pid = presentedPid;
                }
            }
        }
        if (!connected) {
            server.gateway().close(opened.get(), who);
            refuse("unauthorized"); // verifies the newer CONNECT, if one came; nothing when closed
            return;
        }
        if (resumable.isPresent()) {
            recover(resumable.get());
        } else {
            connectFresh();
        }
    }

    /** A normal connect: a new pid, the user's own room live from now (as the native protocol joins it). */
    private void connectFresh() {
        Session current;
        Caller who;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CONNECTED;
            rooms.clear();
            if (server.recovery() != null) {
                nonce = ThreadLocalRandom.current().nextLong();
                pid = server.recovery().pid(caller.userId(), nonce);
            } else {
                pid = null;
            }
            engine.send(SocketIoPackets.connected(engine.sid, pid), null);
            current = session;
            who = caller;
        }
        // Gateway.subscribe rather than joinOwnRoom: same room, no replay, but it tells the position to
        // record in the recovery offset.
        String ownRoom = "user:" + who.userId();
        server.gateway().subscribe(current, who, ownRoom, null, subscribed -> {
            synchronized (this) {
                if (state == State.CONNECTED) {
                    rooms.put(ownRoom, subscribed.seenThrough());
                    sendOffsetEvent();
                }
            }
        }).whenComplete((subscribed, failure) -> {
            if (failure != null && !(unwrap(failure) instanceof java.util.concurrent.CancellationException)) {
                LOG.warnf("joining %s failed: %s", ownRoom, unwrap(failure).toString());
            }
        });
    }

    /**
     * Resumes every room of the offset after its recorded position, on this instance whatever instance
     * handed the offset out. All or nothing: if one room cannot be resumed (beyond the replay window, no
     * longer allowed, limits), every room is left again and the client gets a normal connect with a new
     * pid, which the official client reports as {@code socket.recovered === false}.
     */
    private void recover(RecoveryTokens.Resumable resumable) {
        Session current;
        Caller who;
        synchronized (this) {
            current = session;
            who = caller;
        }
        List<CompletableFuture<Boolean>> resumed = new ArrayList<>();
        for (Map.Entry<String, StreamPosition> entry : resumable.rooms().entrySet()) {
            String room = entry.getKey();
            StreamPosition seen = entry.getValue();
            CompletionStage<Subscribed> stage = server.gateway().subscribe(current, who, room,
                    EventIds.encodePosition(room, seen), subscribed -> {
                        synchronized (this) {
                            if (state == State.RECOVERING) {
                                rooms.put(room, subscribed.recovered() ? seen : subscribed.seenThrough());
                            }
                        }
                    });
            resumed.add(stage.toCompletableFuture().handle((subscribed, failure) -> failure == null && subscribed.recovered()));
        }
        CompletableFuture.allOf(resumed.toArray(CompletableFuture[]::new)).whenComplete((done, failure) -> {
            boolean all = resumable.rooms().containsKey("user:" + who.userId())
                    && resumed.stream().allMatch(CompletableFuture::join);
            finishRecovery(all);
        });
    }

    private void finishRecovery(boolean recovered) {
        List<GatewayEvent> pending;
        List<String> joined;
        Session current;
        synchronized (this) {
            if (state != State.RECOVERING) {
                return;
            }
            pending = held;
            held = null;
            if (recovered) {
                state = State.CONNECTED;
                engine.send(SocketIoPackets.connected(engine.sid, pid), null);
                for (GatewayEvent event : pending) {
                    deliver(event);
                }
                return;
            }
            joined = new ArrayList<>(rooms.keySet());
            rooms.clear();
            current = session;
        }
        for (GatewayEvent event : pending) {
            current.writeCompleted(event);
        }
        for (String room : joined) {
            server.gateway().unsubscribe(current, room);
        }
        // a room whose subscribe failed was never joined; one still replaying is cancelled by the unsubscribe
        connectFresh();
    }

    private void onEvent(Packet packet) {
        JsonNode args = packet.data();
        String name = args.get(0).asText();
        long ackId = packet.ackId();
        JsonNode body = args.size() > 1 ? args.get(1) : null;
        if (!"subscribe".equals(name) && !"unsubscribe".equals(name)) {
            refuse(ackId, ErrorCode.BAD_REQUEST, "unknown event: " + name);
            return;
        }
        if (body == null || !body.isObject()) {
            refuse(ackId, ErrorCode.BAD_REQUEST, name + " takes an object {room, lastEventId?}");
            return;
        }
        JsonNode room = body.get("room");
        JsonNode lastEventId = body.get("lastEventId");
        if (room == null || !room.isTextual()) {
            refuse(ackId, ErrorCode.BAD_REQUEST, "room must be a string");
            return;
        }
        if (lastEventId != null && !lastEventId.isNull() && !lastEventId.isTextual()) {
            refuse(ackId, ErrorCode.BAD_REQUEST, "lastEventId must be a string");
            return;
        }
        Session current;
        Caller who;
        synchronized (this) {
            current = session;
            who = caller;
        }
        if ("unsubscribe".equals(name)) {
            unsubscribe(current, room.asText(), ackId);
        } else {
            subscribe(current, who, room.asText(), lastEventId == null || lastEventId.isNull() ? null : lastEventId.asText(),
                    ackId);
        }
    }

    private void subscribe(Session current, Caller who, String room, String lastEventId, long ackId) {
        server.gateway().subscribe(current, who, room, lastEventId, subscribed -> {
            // before any event of the room: record where the socket stands, then the ack
            synchronized (this) {
                if (state != State.CONNECTED) {
                    return;
                }
                rooms.put(room, subscribed.recovered() ? seenThrough(lastEventId, room, subscribed)
                        : subscribed.seenThrough());
                if (ackId >= 0) {
                    ObjectNode ack = JsonNodeFactory.instance.objectNode().put("ok", true)
                            .put("recovered", subscribed.recovered()).put("replayed", subscribed.replayed())
                            .put("position", subscribed.position());
                    engine.send(SocketIoPackets.ack(ackId, ack), null);
                }
                sendOffsetEvent();
            }
        }).whenComplete((subscribed, failure) -> {
            if (failure == null) {
                return;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof java.util.concurrent.CancellationException) {
                return; // the socket closed or left the room meanwhile: nobody to answer
            }
            if (cause instanceof GatewayException refused) {
                refuse(ackId, refused.code(), refused.getMessage());
            } else {
                LOG.warnf("subscribe to %s failed: %s", room, cause.toString());
                refuse(ackId, ErrorCode.BAD_REQUEST, "the subscription failed; retry");
            }
        });
    }

    private void unsubscribe(Session current, String room, long ackId) {
        server.gateway().unsubscribe(current, room);
        // after unsubscribe returned, no frame of the room is handed over any more
        synchronized (this) {
            if (state != State.CONNECTED) {
                return;
            }
            rooms.remove(room);
            if (ackId >= 0) {
                engine.send(SocketIoPackets.ack(ackId, JsonNodeFactory.instance.objectNode().put("ok", true)
                        .put("room", room)), null);
            }
            sendOffsetEvent();
        }
    }

    /**
     * The client left the namespace (DISCONNECT); the engine stays open until the client closes it, or the
     * connect timeout does.
     */
    private void leave() {
        Session current;
        Caller who;
        synchronized (this) {
            if (state == State.CLOSED || state == State.LEFT || session == null) {
                return;
            }
            state = State.LEFT;
            current = session;
            who = caller;
            server.vertx().cancelTimer(expiryTimer);
            awaitConnect();
        }
        server.gateway().close(current, who);
    }

    // --- events to the client ------------------------------------------------------------------------------

    @Override
    public void send(GatewayEvent event) {
        synchronized (this) {
            if (state == State.RECOVERING && held != null) {
                held.add(event);
                return;
            }
            // a refused recovery has released its held events and is leaving its rooms: drop until the fresh connect
            if (state == State.CONNECTED) {
                deliver(event);
                return;
            }
        }
        Session current = session;
        if (current != null) {
            current.writeCompleted(event);
        }
    }

    /** Under the lock. */
    private void deliver(GatewayEvent event) {
        String prefix = event.encodedFor(SocketIoPackets.EVENT_PREFIX);
        String offset = null;
        if (pid != null) {
            rooms.put(event.room(), event.position());
            offset = server.recovery().offset(caller.userId(), nonce, rooms);
        }
        Session current = session;
        engine.send(SocketIoPackets.event(prefix, offset), () -> current.writeCompleted(event));
    }

    /** Under the lock. */
    private void sendOffsetEvent() {
        if (pid != null) {
            engine.send(SocketIoPackets.offsetOnly(OFFSET_EVENT, server.recovery().offset(caller.userId(), nonce, rooms)),
                    null);
        }
    }

    @Override
    public void close(int closeCode, String reason) {
        engine.close(closeCode, reason);
    }

    /** The Engine.IO session ended: leave the hub. */
    void onEngineClosed() {
        Session current;
        Caller who;
        List<GatewayEvent> pending;
        synchronized (this) {
            boolean joined = session != null && state != State.CLOSED && state != State.LEFT;
            state = State.CLOSED;
            server.vertx().cancelTimer(expiryTimer);
            stopAwaitingConnect();
            pendingConnect = null;
            if (!joined) {
                return;
            }
            current = session;
            who = caller;
            pending = held;
            held = null;
        }
        if (pending != null) {
            for (GatewayEvent event : pending) {
                current.writeCompleted(event);
            }
        }
        server.gateway().close(current, who);
    }

    // --- helpers ------------------------------------------------------------------------------------------

    private void refuse(long ackId, ErrorCode code, String message) {
        if (ackId < 0) {
            return;
        }
        reply(SocketIoPackets.ack(ackId, JsonNodeFactory.instance.objectNode().put("ok", false)
                .put("code", code.wireName()).put("message", message)));
    }

    private void reply(String socketIoPacket) {
        engine.send(socketIoPacket, null);
    }

    private static StreamPosition seenThrough(String lastEventId, String room, Subscribed subscribed) {
        return lastEventId == null ? subscribed.seenThrough() : EventIds.decode(lastEventId, room).seenThrough();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
