package com.escrowplatform.realtime.gateway.socketio;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.Peer;
import com.escrowplatform.realtime.gateway.SocketProtocol;
import com.escrowplatform.realtime.gateway.Subscriber;
import com.escrowplatform.realtime.gateway.Subscribed;
import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.MalformedPacket;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.Packet;
import com.escrowplatform.realtime.security.Caller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * The main namespace of one Engine.IO session, as the hub sees a socket: it dispatches the client's Socket.IO
 * packets (CONNECT with the token, {@code subscribe} / {@code unsubscribe} events answered by acks, CONTRACT 7,
 * DISCONNECT) and hands events out. Rooms, authorization, replay and limits are the shared
 * {@link com.escrowplatform.realtime.gateway.Gateway}'s; connection-state recovery is {@link ConnectionRecovery}'s
 * (a reconnect) and {@link RecoveryOffsets}' (the offset every event carries); this class only speaks the protocol.
 *
 * <h2>Recovery offsets, and what they cost</h2>
 * With recovery on, every event carries a signed offset of the positions the socket has been handed
 * ({@link RecoveryOffsets}). The event's own part ({@code 42["type",{id,room,data}}) is still built once per
 * event for all sockets; per socket and event it costs one map update, one HMAC-SHA256 over about 20 bytes
 * per room, a Base64 encoding and one string concatenation: a few microseconds and 100–200 more bytes on the
 * wire for a socket in a handful of rooms. After each subscribe or unsubscribe the socket also gets a
 * {@value #OFFSET_EVENT} event with no payload but the new offset, so that a room joined before its first
 * event is recovered too.
 *
 * <h2>CONNECT</h2>
 * The token is verified off the event loop ({@link SocketIoAuthenticator}). A CONNECT that arrives while the
 * previous one is still being verified replaces it (a client that refreshed its token and called
 * {@code socket.connect()} again): only the newest is answered, and at most one verification runs per session.
 * {@link ConnectAttempts} keeps the bounds: refused CONNECTs and the connect timeout each close the session (1008).
 *
 * <h2>Threads and locks</h2>
 * Packets arrive on event loops; events ({@link #send}) and subscription answers on any thread, while the
 * hub holds the room's subscription lock. The fields marked "guarded by this" are read and written only under
 * this object's monitor. Lock order: the hub's subscription lock, then this lock, then the
 * {@link EngineSocket}'s. Hence, while holding this lock, the class calls nothing but the engine's
 * {@link EngineSocket#send send} (which never calls back), its own {@link RecoveryOffsets} and timers: never the
 * gateway or the hub (that would invert the order and deadlock), and never {@link EngineSocket#close}, which
 * calls back into {@link #onEngineClosed} and the gateway. Each method decides under the lock and calls out
 * after releasing it. An event's offset is recorded and its frame queued under one hold of the lock, so the
 * events of one socket reach the engine in the order the hub handed them over, with their offsets in step.
 */
final class SocketIoPeer implements Peer {
    private static final Logger LOG = Logger.getLogger(SocketIoPeer.class);

    /** The event that carries nothing but a fresh recovery offset. */
    static final String OFFSET_EVENT = "recovery:offset";

    private enum State {
        AWAITING_CONNECT, AUTHENTICATING, RECOVERING,
        /** A refused recovery leaves the rooms it resumed; events are dropped until the fresh connect. */
        ABANDONING_RECOVERY,
        CONNECTED, LEFT, CLOSED
    }

    private final SocketIoServer server;
    private final EngineSocket engine;

    // guarded by this
    private State state = State.AWAITING_CONNECT;
    private Caller caller;
    /** The hub's side of this socket; set once the CONNECT is verified. */
    private Subscriber subscriber;
    private final RecoveryOffsets offsets;
    /** Set while RECOVERING. */
    private ConnectionRecovery recovery;
    private long expiryTimer = -1;
    private final ConnectAttempts connectAttempts;

    SocketIoPeer(SocketIoServer server, EngineSocket engine) {
        this.server = server;
        this.engine = engine;
        this.offsets = new RecoveryOffsets(server.recovery());
        this.connectAttempts = new ConnectAttempts(server);
        synchronized (this) {
            connectAttempts.awaitConnect(this::connectTimedOut);
        }
    }

    private void connectTimedOut() {
        synchronized (this) {
            if (state != State.AWAITING_CONNECT && state != State.AUTHENTICATING && state != State.LEFT) {
                return;
            }
        }
        server.connectTimeouts().increment();
        engine.close(CloseCodes.POLICY_VIOLATION, "connect timeout");
    }

    // --- packets from the client ------------------------------------------------------------------------------

    /** The payload of one Engine.IO message. Malformed packets close the connection. */
    void onMessage(String text) {
        Packet packet;
        try {
            packet = SocketIoPackets.parse(text);
        } catch (SocketIoPackets.BinaryPacket e) {
            engine.closeForClientError(CloseCodes.UNSUPPORTED_DATA, e.getMessage());
            return;
        } catch (MalformedPacket e) {
            engine.closeForClientError(CloseCodes.PROTOCOL_ERROR, "malformed packet: " + e.getMessage());
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
                    if (subscriber != null) {
                        protocolError = true; // verified already: connecting
                    } else {
                        if (connectAttempts.replaced()) {
                            tooMany = connectAttempts.refuse(); // replaced before it was even verified
                        }
                        connectAttempts.waitBehind(auth);
                    }
                }
                // a CONNECT while connected or after leaving breaks the protocol
                default -> protocolError = true;
            }
        }
        if (protocolError) {
            engine.closeForClientError(CloseCodes.PROTOCOL_ERROR, "CONNECT while connected");
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
        return connectAttempts.replaced();
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
            tooMany = connectAttempts.refuse();
            JsonNode newer = connectAttempts.takeNewer();
            next = tooMany ? null : newer;
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

    private void closeForRefusedConnects() {
        server.refusedConnectCloses().increment();
        engine.close(CloseCodes.POLICY_VIOLATION, "too many refused CONNECTs");
    }

    /** The token is valid: joins the hub, then recovers the presented offset or connects afresh. */
    private void connect(SocketIoAuthenticator.Verified verified, String presentedPid, String presentedOffset) {
        Caller who = verified.caller();
        long msLeft = verified.expiresAtEpochSecond() * 1000 - server.timers().nowMillis();
        if (msLeft <= 0) {
            refuse("unauthorized");
            return;
        }
        Optional<RecoveryTokens.Resumable> resumable = server.recovery() == null || presentedPid == null
                ? Optional.empty()
                : server.recovery().resume(who.userId(), presentedPid, presentedOffset);
        Optional<Subscriber> opened = server.gateway().open(this, who, SocketProtocol.SOCKETIO);
        if (opened.isEmpty()) {
            refuse("too many connections");
            return;
        }
        boolean connected;
        ConnectionRecovery attempt = null;
        synchronized (this) {
            // not when the engine closed while the token was checked, nor when a newer CONNECT came meanwhile
            connected = state == State.AUTHENTICATING && !connectAttempts.replaced();
            if (connected) {
                connectAttempts.connected();
                caller = who;
                subscriber = opened.get();
                expiryTimer = server.timers().schedule(msLeft,
                        () -> engine.close(CloseCodes.POLICY_VIOLATION, "authentication expired"));
                if (resumable.isPresent()) {
                    state = State.RECOVERING;
                    attempt = new ConnectionRecovery(resumable.get());
                    recovery = attempt;
                    offsets.resume(who.userId(), resumable.get(), presentedPid);
                }
            }
        }
        // the lock is released: the gateway may be called
        if (!connected) {
            server.gateway().close(opened.get(), who);
            refuse("unauthorized"); // verifies the newer CONNECT, if one came; nothing when closed
        } else if (attempt != null) {
            recover(attempt, opened.get(), who);
        } else {
            connectFresh();
        }
    }

    /** A normal connect: a new pid, the user's own room live from now (as the native protocol joins it). */
    private void connectFresh() {
        Subscriber current;
        Caller who;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CONNECTED;
            String pid = offsets.startFresh(caller.userId());
            engine.send(SocketIoPackets.connected(engine.sid, pid), null);
            current = subscriber;
            who = caller;
        }
        // Gateway.subscribe rather than joinOwnRoom: same room, no replay, but it tells the position to
        // record in the recovery offset.
        Room ownRoom = new Room.UserRoom(who.userId());
        server.gateway().subscribe(current, who, ownRoom, null, subscribed -> {
            synchronized (this) {
                if (state == State.CONNECTED) {
                    offsets.record(ownRoom.name(), subscribed.seenThrough());
                    sendOffsetEvent();
                }
            }
        }).whenComplete((subscribed, failure) -> {
            if (failure != null && !(unwrap(failure) instanceof CancellationException)) {
                LOG.warnf("joining %s failed: %s", ownRoom, unwrap(failure).toString());
            }
        });
    }

    /** Not under the lock: resumes the presented offset's rooms; see {@link ConnectionRecovery}. */
    private void recover(ConnectionRecovery attempt, Subscriber current, Caller who) {
        attempt.start(server.gateway(), current, who, new ConnectionRecovery.Listener() {
            @Override
            public void resumed(String room, StreamPosition seenThrough) {
                synchronized (SocketIoPeer.this) {
                    if (recovery == attempt) {
                        offsets.record(room, seenThrough);
                    }
                }
            }

            @Override
            public void finished(boolean recovered) {
                finishRecovery(attempt, recovered);
            }
        });
    }

    /**
     * Recovered: the CONNECT reply with the presented pid, then the events held meanwhile. Else the held
     * events are dropped, every resumed room is left again and the socket connects afresh.
     */
    private void finishRecovery(ConnectionRecovery attempt, boolean recovered) {
        List<GatewayEvent> held;
        List<String> resumedRooms;
        Subscriber current;
        synchronized (this) {
            if (recovery != attempt) {
                return; // the session closed meanwhile
            }
            recovery = null;
            held = attempt.release();
            if (recovered) {
                state = State.CONNECTED;
                engine.send(SocketIoPackets.connected(engine.sid, offsets.pid()), null);
                for (GatewayEvent event : held) {
                    deliver(event);
                }
                return;
            }
            state = State.ABANDONING_RECOVERY;
            resumedRooms = offsets.clear();
            current = subscriber;
        }
        for (GatewayEvent event : held) {
            current.writeCompleted(event);
        }
        for (String room : resumedRooms) {
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
            answerRefused(ackId, ErrorCode.BAD_REQUEST, "unknown event: " + name);
            return;
        }
        if (body == null || !body.isObject()) {
            answerRefused(ackId, ErrorCode.BAD_REQUEST, name + " takes an object {room, lastEventId?}");
            return;
        }
        JsonNode room = body.get("room");
        JsonNode lastEventId = body.get("lastEventId");
        if (room == null || !room.isTextual()) {
            answerRefused(ackId, ErrorCode.BAD_REQUEST, "room must be a string");
            return;
        }
        if (lastEventId != null && !lastEventId.isNull() && !lastEventId.isTextual()) {
            answerRefused(ackId, ErrorCode.BAD_REQUEST, "lastEventId must be a string");
            return;
        }
        Subscriber current;
        Caller who;
        synchronized (this) {
            current = subscriber;
            who = caller;
        }
        if ("unsubscribe".equals(name)) {
            unsubscribe(current, room.asText(), ackId);
        } else {
            subscribe(current, who, room.asText(), lastEventId == null || lastEventId.isNull() ? null : lastEventId.asText(),
                    ackId);
        }
    }

    private void subscribe(Subscriber current, Caller who, String name, String lastEventId, long ackId) {
        Room room;
        try {
            room = Room.parse(name);
        } catch (GatewayException refused) {
            answerRefused(ackId, refused.code(), refused.getMessage());
            return;
        }
        server.gateway().subscribe(current, who, room, lastEventId, subscribed -> {
            // before any event of the room: record where the socket stands, then the ack
            synchronized (this) {
                if (state != State.CONNECTED) {
                    return;
                }
                offsets.record(room.name(), subscribed.recovered() ? seenThrough(lastEventId, room.name(), subscribed)
                        : subscribed.seenThrough());
                if (ackId >= 0) {
                    engine.send(SubscriptionAcks.subscribed(ackId, subscribed), null);
                }
                sendOffsetEvent();
            }
        }).whenComplete((subscribed, failure) -> {
            if (failure == null) {
                return;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof CancellationException) {
                return; // the socket closed or left the room meanwhile: nobody to answer
            }
            if (cause instanceof GatewayException refused) {
                answerRefused(ackId, refused.code(), refused.getMessage());
            } else {
                LOG.warnf("subscribe to %s failed: %s", room, cause.toString());
                answerRefused(ackId, ErrorCode.BAD_REQUEST, "the subscription failed; retry");
            }
        });
    }

    private void unsubscribe(Subscriber current, String name, long ackId) {
        Room room;
        try {
            room = Room.parse(name);
        } catch (GatewayException notARoom) {
            room = null; // never joined: nothing to leave, and the ack is the same
        }
        if (room != null) {
            server.gateway().unsubscribe(current, room);
        }
        // after unsubscribe returned, no frame of the room is handed over any more
        synchronized (this) {
            if (state != State.CONNECTED) {
                return;
            }
            if (room != null) {
                offsets.forget(room.name());
            }
            if (ackId >= 0) {
                engine.send(SubscriptionAcks.unsubscribed(ackId, name), null);
            }
            sendOffsetEvent();
        }
    }

    /**
     * The client left the namespace (DISCONNECT); the engine stays open until the client closes it, or the
     * connect timeout does.
     */
    private void leave() {
        Subscriber current;
        Caller who;
        synchronized (this) {
            if (state == State.CLOSED || state == State.LEFT || subscriber == null) {
                return;
            }
            state = State.LEFT;
            current = subscriber;
            who = caller;
            server.timers().cancel(expiryTimer);
            connectAttempts.awaitConnect(this::connectTimedOut);
        }
        server.gateway().close(current, who);
    }

    // --- events to the client ------------------------------------------------------------------------------

    @Override
    public void send(GatewayEvent event) {
        Subscriber current;
        synchronized (this) {
            if (state == State.RECOVERING) {
                recovery.hold(event);
                return;
            }
            if (state == State.CONNECTED) {
                deliver(event);
                return;
            }
            current = subscriber; // not connected: the event is dropped
        }
        if (current != null) {
            current.writeCompleted(event);
        }
    }

    /** Under the lock: the offset is recorded and the frame queued in one step, so both keep one order. */
    private void deliver(GatewayEvent event) {
        String offset = offsets.offsetAfter(event);
        Subscriber current = subscriber;
        engine.sendEvent(event.encodedFor(SocketIoPackets.EVENT_PREFIX), SocketIoPackets.eventTail(offset),
                () -> current.writeCompleted(event));
    }

    /** Under the lock. */
    private void sendOffsetEvent() {
        String offset = offsets.current();
        if (offset != null) {
            engine.send(SocketIoPackets.offsetOnly(OFFSET_EVENT, offset), null);
        }
    }

    @Override
    public void close(int closeCode, String reason) {
        engine.close(closeCode, reason);
    }

    /** The Engine.IO session ended: leave the hub. */
    void onEngineClosed() {
        Subscriber current;
        Caller who;
        List<GatewayEvent> held;
        synchronized (this) {
            boolean joined = subscriber != null && state != State.CLOSED && state != State.LEFT;
            state = State.CLOSED;
            server.timers().cancel(expiryTimer);
            connectAttempts.closed();
            held = recovery == null ? List.of() : recovery.release();
            recovery = null;
            if (!joined) {
                return;
            }
            current = subscriber;
            who = caller;
        }
        for (GatewayEvent event : held) {
            current.writeCompleted(event);
        }
        server.gateway().close(current, who);
    }

    // --- helpers ------------------------------------------------------------------------------------------

    /** An ack {@code {ok:false, code, message}}, when the client asked for one. */
    private void answerRefused(long ackId, ErrorCode code, String message) {
        if (ackId >= 0) {
            reply(SubscriptionAcks.refused(ackId, code, message));
        }
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
