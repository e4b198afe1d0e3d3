package com.escrowplatform.realtime.gateway.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes the opaque event ids of the contract (section 6): URL-safe, at most 64 characters,
 * derived from the record's Kafka position so that any gateway instance can resume any client.
 *
 * <p>Layout of format version 1, before URL-safe Base64 without padding:
 * <pre>
 *   byte      version (1)
 *   byte      kind: 0 = an event's id, 1 = a stream-end mark (the {@code position} of a subscribe reply)
 *   16 bytes  topic id (the topic incarnation, big-endian UUID)
 *   4 bytes   CRC32C of the room name's UTF-8 bytes: an id presented for another room is refused
 *   varint    partition
 *   varint    offset + 1 (so that a mark of an empty partition, offset -1, encodes as 0)
 *   4 bytes   CRC32C of all bytes before it: a mangled or truncated id is refused
 * </pre>
 * At most 40 bytes, so at most 54 characters. Both kinds mean the same thing to replay: the client has
 * seen everything of the room up to and including that offset.
 *
 * <p>The checksum is for integrity, not secrecy: an id only ever selects what its holder receives from a
 * room it is already authorized for, so a forged id gains nothing.
 *
 * <p>Stateless and thread-safe.
 */
public final class EventIds {

    /** The contract's upper bound on an id's length. */
    static final int MAX_LENGTH = 64;

    static final byte VERSION = 1;
    private static final byte KIND_EVENT = 0;
    private static final byte KIND_STREAM_END = 1;
    // varint bytes: a partition is an int (31 bits), offset + 1 a non-negative long (63 bits)
    private static final int PARTITION_MAX_BYTES = 5;
    private static final int OFFSET_MAX_BYTES = 9;
    private static final int MAX_BYTES = 1 + 1 + 16 + 4 + PARTITION_MAX_BYTES + OFFSET_MAX_BYTES + 4;
    private static final int MIN_BYTES = 1 + 1 + 16 + 4 + 1 + 1 + 4;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private EventIds() {
    }

    /** What a decoded id says the client has seen. */
    public sealed interface Decoded permits OfEvent, OfStreamEnd {
        /** Everything of the room up to and including this position has been seen. */
        StreamPosition seenThrough();
    }

    /** The id of an event the client received. */
    public record OfEvent(StreamPosition seenThrough) implements Decoded {
    }

    /** A stream-end mark from a subscribe reply; its offset may be -1. */
    public record OfStreamEnd(StreamPosition seenThrough) implements Decoded {
    }

    /** The id of the event of {@code room} at {@code position}. */
    public static String encode(String room, StreamPosition position) {
        if (position.offset() < 0) {
            throw new IllegalArgumentException("an event has an offset >= 0: " + position);
        }
        return encode(KIND_EVENT, room, position);
    }

    /**
     * A mark meaning "the client has seen everything of {@code room} up to and including
     * {@code seenThrough}", for the {@code position} field of a subscribe reply. Its offset may be -1.
     */
    public static String encodePosition(String room, StreamPosition seenThrough) {
        return encode(KIND_STREAM_END, room, seenThrough);
    }

    /**
     * Decodes an id presented in a subscribe to {@code room}.
     *
     * @throws InvalidEventIdException when the id is malformed, of an unknown version, or of another room
     */
    public static Decoded decode(String id, String room) {
        Objects.requireNonNull(room, "room");
        if (id == null || id.isEmpty()) {
            throw new InvalidEventIdException("event id is empty");
        }
        if (id.length() > MAX_LENGTH) {
            throw new InvalidEventIdException("event id is longer than " + MAX_LENGTH + " characters");
        }
        byte[] bytes = base64(id);
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new InvalidEventIdException("event id has an unknown format version");
        }
        if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES) {
            throw new InvalidEventIdException("event id has a wrong length");
        }
        int bodyLength = bytes.length - 4;
        if (readInt(bytes, bodyLength) != crc(bytes, 0, bodyLength)) {
            throw new InvalidEventIdException("event id is corrupt");
        }
        byte kind = bytes[1];
        if (kind != KIND_EVENT && kind != KIND_STREAM_END) {
            throw new InvalidEventIdException("event id has an unknown kind");
        }
        if (readInt(bytes, 18) != roomHash(room)) {
            throw new InvalidEventIdException("event id belongs to another room");
        }
        UUID topicId = new UUID(readLong(bytes, 2), readLong(bytes, 10));
        int at = 22;
        long partition;
        long offsetPlusOne;
        try {
            partition = Varints.read(bytes, at, bodyLength, PARTITION_MAX_BYTES);
            at += Varints.size(partition);
            offsetPlusOne = Varints.read(bytes, at, bodyLength, OFFSET_MAX_BYTES);
            at += Varints.size(offsetPlusOne);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventIdException("event id is malformed");
        }
        if (at != bodyLength || partition > Integer.MAX_VALUE || offsetPlusOne < 0) {
            throw new InvalidEventIdException("event id is malformed");
        }
        long offset = offsetPlusOne - 1;
        if (kind == KIND_EVENT && offset < 0) {
            throw new InvalidEventIdException("event id is malformed");
        }
        StreamPosition position = new StreamPosition(topicId, (int) partition, offset);
        return kind == KIND_EVENT ? new OfEvent(position) : new OfStreamEnd(position);
    }

    private static String encode(byte kind, String room, StreamPosition position) {
        if (position.offset() == Long.MAX_VALUE) {
            throw new IllegalArgumentException("offset out of range: " + position);
        }
        byte[] buffer = new byte[MAX_BYTES];
        buffer[0] = VERSION;
        buffer[1] = kind;
        writeLong(buffer, 2, position.topicId().getMostSignificantBits());
        writeLong(buffer, 10, position.topicId().getLeastSignificantBits());
        writeInt(buffer, 18, roomHash(room));
        int at = Varints.write(buffer, 22, position.partition());
        at = Varints.write(buffer, at, position.offset() + 1);
        writeInt(buffer, at, crc(buffer, 0, at));
        return ENCODER.encodeToString(Arrays.copyOf(buffer, at + 4));
    }

    private static byte[] base64(String id) {
        byte[] bytes;
        try {
            bytes = DECODER.decode(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventIdException("event id is not URL-safe Base64");
        }
        // The decoder tolerates padding and stray low bits; only our own spelling of the bytes is an id.
        if (!ENCODER.encodeToString(bytes).equals(id)) {
            throw new InvalidEventIdException("event id is not URL-safe Base64");
        }
        return bytes;
    }

    static int roomHash(String room) {
        byte[] utf8 = room.getBytes(StandardCharsets.UTF_8);
        return crc(utf8, 0, utf8.length);
    }

    private static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }

    private static void writeLong(byte[] buffer, int at, long value) {
        writeInt(buffer, at, (int) (value >>> 32));
        writeInt(buffer, at + 4, (int) value);
    }

    private static void writeInt(byte[] buffer, int at, int value) {
        buffer[at] = (byte) (value >>> 24);
        buffer[at + 1] = (byte) (value >>> 16);
        buffer[at + 2] = (byte) (value >>> 8);
        buffer[at + 3] = (byte) value;
    }

    private static long readLong(byte[] bytes, int at) {
        return ((long) readInt(bytes, at) << 32) | (readInt(bytes, at + 4) & 0xFFFFFFFFL);
    }

    private static int readInt(byte[] bytes, int at) {
        return ((bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16)
                | ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
    }
}
