package com.escrowplatform.realtime.gateway.event;

/**
 * Unsigned varints (LEB128: seven bits a byte, least significant group first, the high bit set on every byte
 * but the last), the compact numbers inside event ids and Socket.IO recovery tokens.
 *
 * <p>Reading accepts only the shortest spelling of a number, so every number has exactly one encoding (an id
 * or token cannot be re-spelled into another string that means the same) and a read value occupied exactly
 * {@link #size(long)} bytes. Stateless.
 */
public final class Varints {

    /** The most bytes a varint takes: a negative {@code long} read as unsigned 64 bits. */
    public static final int MAX_BYTES = 10;

    private Varints() {
    }

    /** The bytes {@code value}, read as unsigned, takes as a varint: 1 to {@value #MAX_BYTES}. */
    public static int size(long value) {
        int bits = Long.SIZE - Long.numberOfLeadingZeros(value);
        return Math.max(1, (bits + 6) / 7);
    }

    /**
     * Writes {@code value}, read as unsigned, at {@code buffer[at]}, which must have room for {@link #size(long)}
     * bytes.
     *
     * @return the index just after the written bytes
     */
    public static int write(byte[] buffer, int at, long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            buffer[at++] = (byte) ((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        buffer[at++] = (byte) rest;
        return at;
    }

    /**
     * Reads the varint that starts at {@code bytes[at]} and ends before {@code end}, taking at most
     * {@code maxBytes} bytes (which bounds the value below 2<sup>7·maxBytes</sup>). The next varint, if any,
     * starts {@link #size(long) size(value)} bytes later.
     *
     * @throws IllegalArgumentException when the bytes end first, the varint is longer than {@code maxBytes}, it
     *                                  overflows 64 bits, or it is not the shortest spelling of its value
     */
    public static long read(byte[] bytes, int at, int end, int maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be within 1 and " + MAX_BYTES + ": " + maxBytes);
        }
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (at + i >= end) {
                throw new IllegalArgumentException("varint is truncated after " + i + " byte(s)");
            }
            byte b = bytes[at + i];
            if (i == MAX_BYTES - 1 && (b & 0xFF) > 1) {
                throw new IllegalArgumentException("varint overflows 64 bits");
            }
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    // a trailing zero group is a second spelling of a shorter number
                    throw new IllegalArgumentException("varint is not in its shortest form");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint is longer than " + maxBytes + " byte(s)");
    }
}
