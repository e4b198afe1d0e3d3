package com.escrowplatform.realtime.gateway.socketio;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.event.Varints;

/**
 * The stateless {@code pid} and offsets of Socket.IO connection-state recovery, signed with a secret that
 * every instance shares, so that a client may resume on any instance (Socket.IO's own recovery keeps the
 * session in the server's memory or adapter and needs sticky sessions).
 *
 * <ul>
 * <li>{@code pid} (handed out once, in the CONNECT reply): the user and a random session nonce.</li>
 * <li>offset (the last argument of every event; the official client keeps the latest one and sends it back
 * with the pid when it reconnects): the same nonce and, for every room of the socket, the position up to
 * which the socket has been handed the room's events.</li>
 * </ul>
 * Both are URL-safe Base64 of a small binary record closed by a truncated HMAC-SHA256 (96 bits). An offset is
 * only accepted with the pid of the same nonce, and a pid only for the user it names; rooms are authorized
 * again when they are resumed, so a leaked offset opens nothing its holder could not subscribe to anyway.
 *
 * <p>Offset layout, version 1: {@code version, 'O', nonce(8), topics (count, 16 bytes each), rooms (count;
 * each: kind [0 = the user's own room, 1 = escrow:<uuid> as 16 bytes], topic index, partition, offset + 1)},
 * unsigned varints throughout. A socket in its user room and two escrows: about 100 bytes, 140 characters.
 *
 * <p>Thread-safe; the MAC instances are per thread.
 */
final class RecoveryTokens {

    private static final byte VERSION = 1;
    private static final byte KIND_PID = 'P';
    private static final byte KIND_OFFSET = 'O';
    private static final int MAC_BYTES = 12;
    private static final int MAX_TOKEN_CHARS = 8192;
    private static final byte ROOM_OWN_USER = 0;
    private static final byte ROOM_ESCROW = 1;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /**
     * The offset of a socket in more than {@value #MAX_ROOMS} rooms: never valid, so a reconnect with it is a
     * normal, non-recovered connect (an older, valid offset must not stand in for it).
     */
    static final String NOT_RESUMABLE = "-";
    static final int MAX_ROOMS = 127;

    private final ThreadLocal<Mac> macs;

    RecoveryTokens(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("the recovery secret must have at least 16 bytes");
        }
        byte[] key = secret.clone();
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** What a valid pid and offset give back: the rooms, parsed, in the order the offset holds them. */
    record Resumable(String userId, long nonce, Map<Room, StreamPosition> rooms) {
    }

    String pid(String userId, long nonce) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        Writer out = new Writer(2 + 8 + 5 + user.length + MAC_BYTES);
        out.bytes[out.at++] = VERSION;
        out.bytes[out.at++] = KIND_PID;
        out.putLong(nonce);
        out.varint(user.length);
        out.put(user);
        return sign(out);
    }

    /**
     * The offset for a socket of {@code userId} whose rooms (by {@linkplain Room#name() name}) stand at
     * {@code rooms}; a room that is neither the user's own nor an escrow's is left out. Costs one small
     * allocation, one HMAC over about 20 bytes per room and one Base64 encoding: a few microseconds.
     */
    String offset(String userId, long nonce, Map<String, StreamPosition> rooms) {
        List<UUID> topics = new ArrayList<>(2);
        for (StreamPosition position : rooms.values()) {
            if (!topics.contains(position.topicId())) {
                topics.add(position.topicId());
            }
        }
        Writer out = new Writer(2 + 8 + 1 + 16 * topics.size() + 5 + rooms.size() * 40 + MAC_BYTES);
        out.bytes[out.at++] = VERSION;
        out.bytes[out.at++] = KIND_OFFSET;
        out.putLong(nonce);
        out.varint(topics.size());
        for (UUID topic : topics) {
            out.putLong(topic.getMostSignificantBits());
            out.putLong(topic.getLeastSignificantBits());
        }
        int roomCountAt = out.at;
        out.varint(0); // patched below: rooms that cannot be encoded are left out
        int count = 0;
        for (Map.Entry<String, StreamPosition> entry : rooms.entrySet()) {
            Room room;
            try {
                room = Room.parse(entry.getKey());
            } catch (GatewayException notARoom) {
                continue;
            }
            StreamPosition position = entry.getValue();
            if (room instanceof Room.UserRoom user && user.userId().equals(userId)) {
                out.bytes[out.at++] = ROOM_OWN_USER;
            } else if (room instanceof Room.EscrowRoom escrow) {
                out.bytes[out.at++] = ROOM_ESCROW;
                out.putLong(escrow.escrowId().getMostSignificantBits());
                out.putLong(escrow.escrowId().getLeastSignificantBits());
            } else {
                continue;
            }
            out.varint(topics.indexOf(position.topicId()));
            out.varint(position.partition());
            out.varint(position.offset() + 1);
            count++;
        }
        if (count > MAX_ROOMS) {
            return NOT_RESUMABLE;
        }
        out.bytes[roomCountAt] = (byte) count;
        return sign(out);
    }

    /**
     * Checks a pid and offset presented by {@code userId} in a CONNECT. Empty when either is missing,
     * malformed, badly signed, of another user, or the two do not belong together.
     */
    Optional<Resumable> resume(String userId, String pid, String offset) {
        byte[] pidBytes = verified(pid, KIND_PID);
        byte[] offsetBytes = verified(offset, KIND_OFFSET);
        if (pidBytes == null || offsetBytes == null) {
            return Optional.empty();
        }
        try {
            Reader p = new Reader(pidBytes, 2, pidBytes.length - MAC_BYTES);
            long nonce = p.getLong();
            int userLength = (int) p.varint();
            String user = new String(p.take(userLength), StandardCharsets.UTF_8);
            if (!user.equals(userId) || !p.atEnd()) {
                return Optional.empty();
            }
            Reader o = new Reader(offsetBytes, 2, offsetBytes.length - MAC_BYTES);
            if (o.getLong() != nonce) {
                return Optional.empty();
            }
            int topicCount = (int) o.varint();
            List<UUID> topics = new ArrayList<>(topicCount);
            for (int i = 0; i < topicCount; i++) {
                topics.add(new UUID(o.getLong(), o.getLong()));
            }
            int roomCount = (int) o.varint();
            Map<Room, StreamPosition> rooms = new LinkedHashMap<>();
            for (int i = 0; i < roomCount; i++) {
                byte kind = o.take(1)[0];
                Room room;
                if (kind == ROOM_OWN_USER) {
                    room = new Room.UserRoom(userId);
                } else if (kind == ROOM_ESCROW) {
                    room = new Room.EscrowRoom(new UUID(o.getLong(), o.getLong()));
                } else {
                    return Optional.empty();
                }
                UUID topic = topics.get((int) o.varint());
                long partition = o.varint();
                long offsetPlusOne = o.varint();
                rooms.put(room, new StreamPosition(topic, Math.toIntExact(partition), offsetPlusOne - 1));
            }
            return o.atEnd() ? Optional.of(new Resumable(userId, nonce, rooms)) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty(); // truncated, out of range: a signed token we did not write this way
        }
    }

    private String sign(Writer out) {
        Mac mac = macs.get();
        mac.update(out.bytes, 0, out.at);
        byte[] tag = mac.doFinal();
        out.put(Arrays.copyOf(tag, MAC_BYTES));
        return ENCODER.encodeToString(Arrays.copyOf(out.bytes, out.at));
    }

    /** The token's bytes when it is well-formed, of {@code kind} and correctly signed; else null. */
    private byte[] verified(String token, byte kind) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (bytes.length < 2 + MAC_BYTES || bytes[0] != VERSION || bytes[1] != kind) {
            return null;
        }
        Mac mac = macs.get();
        mac.update(bytes, 0, bytes.length - MAC_BYTES);
        byte[] expected = Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        byte[] presented = Arrays.copyOfRange(bytes, bytes.length - MAC_BYTES, bytes.length);
        return MessageDigest.isEqual(expected, presented) ? bytes : null;
    }

    private static final class Writer {
        byte[] bytes;
        int at;

        Writer(int capacity) {
            bytes = new byte[capacity];
        }

        void ensure(int more) {
            if (at + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, at + more));
            }
        }

        void put(byte[] value) {
            ensure(value.length);
            System.arraycopy(value, 0, bytes, at, value.length);
            at += value.length;
        }

        void putLong(long value) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[at++] = (byte) (value >>> shift);
            }
        }

        void varint(long value) {
            ensure(Varints.MAX_BYTES);
            at = Varints.write(bytes, at, value);
        }
    }

    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private int at;

        Reader(byte[] bytes, int at, int end) {
            this.bytes = bytes;
            this.at = at;
            this.end = end;
        }

        byte[] take(int length) {
            if (length < 0 || at + length > end) {
                throw new IllegalArgumentException("truncated");
            }
            byte[] out = Arrays.copyOfRange(bytes, at, at + length);
            at += length;
            return out;
        }

        long getLong() {
            long value = 0;
            for (byte b : take(8)) {
                value = (value << 8) | (b & 0xFF);
            }
            return value;
        }

        long varint() {
            long value = Varints.read(bytes, at, end, Varints.MAX_BYTES);
            at += Varints.size(value);
            return value;
        }

        boolean atEnd() {
            return at == end;
        }
    }
}
