package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * One Socket.IO socket's side of connection-state recovery: its {@code pid}, its nonce and, per room, the
 * position up to which the room's events have been handed to the transport; from these it signs the offset
 * the socket appends to every event ({@link RecoveryTokens}).
 *
 * <p>With recovery off ({@code tokens} null) it hands out no pid and no offset and keeps nothing.
 *
 * <p>Not thread-safe: guarded by the owning {@link SocketIoPeer}'s lock, which is held from the moment an
 * event's position is recorded until its frame is queued, so offsets and frames keep one order.
 */
final class RecoveryOffsets {
    private final RecoveryTokens tokens;
    private final Map<String, StreamPosition> rooms = new LinkedHashMap<>();
    private String userId;
    private long nonce;
    private String pid;

    /** {@code tokens} null: recovery is off. */
    RecoveryOffsets(RecoveryTokens tokens) {
        this.tokens = tokens;
    }

    /** A fresh connect: no room yet, a new nonce and pid. The pid, or null with recovery off. */
    String startFresh(String userId) {
        rooms.clear();
        if (tokens == null) {
            pid = null;
            return null;
        }
        this.userId = userId;
        nonce = ThreadLocalRandom.current().nextLong();
        pid = tokens.pid(userId, nonce);
        return pid;
    }

    /** A recovering connect keeps the presented pid and its nonce; rooms are recorded as they are resumed. */
    void resume(String userId, RecoveryTokens.Resumable resumable, String presentedPid) {
        rooms.clear();
        this.userId = userId;
        nonce = resumable.nonce();
        pid = presentedPid;
    }

    /** The pid the CONNECT reply carries; null with recovery off. */
    String pid() {
        return pid;
    }

    /** The socket has been handed {@code room}'s events up to {@code seenThrough}. */
    void record(String room, StreamPosition seenThrough) {
        if (pid != null) {
            rooms.put(room, seenThrough);
        }
    }

    void forget(String room) {
        rooms.remove(room);
    }

    /** Forgets every room; returns those it held. */
    List<String> clear() {
        List<String> held = new ArrayList<>(rooms.keySet());
        rooms.clear();
        return held;
    }

    /**
     * Records that {@code event} is handed to the transport and returns the offset to send with it, or null
     * with recovery off. One HMAC over about 20 bytes per room: a few microseconds.
     */
    String offsetAfter(GatewayEvent event) {
        if (pid == null) {
            return null;
        }
        rooms.put(event.room(), event.position());
        return tokens.offset(userId, nonce, rooms);
    }

    /** The offset of the rooms as they stand, or null with recovery off. */
    String current() {
        return pid == null ? null : tokens.offset(userId, nonce, rooms);
    }
}
