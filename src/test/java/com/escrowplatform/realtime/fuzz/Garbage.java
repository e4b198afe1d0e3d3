package com.escrowplatform.realtime.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Seeded junk: printable text, arbitrary Unicode, bytes that are not UTF-8. */
final class Garbage {
    private static final String PRINTABLE = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private Garbage() {
    }

    static String printable(Random random, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(PRINTABLE.charAt(random.nextInt(PRINTABLE.length())));
        }
        return out.toString();
    }

    /** Code points from the whole range, control characters and astral planes included (no lone surrogates). */
    static String unicode(Random random, int length) {
        StringBuilder out = new StringBuilder(length * 2);
        while (out.codePointCount(0, out.length()) < length) {
            int cp = random.nextInt(0x110000);
            if (cp < 0xD800 || cp > 0xDFFF) {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Random bytes with at least one sequence no UTF-8 decoder accepts (0xFF, an overlong lead byte, an encoded surrogate). */
    static byte[] invalidUtf8(Random random, int length) {
        byte[] bytes = bytes(random, Math.max(length, 2));
        byte[][] poisons = { { (byte) 0xff }, { (byte) 0xc0, (byte) 0xaf }, { (byte) 0xed, (byte) 0xa0, (byte) 0x80 } };
        byte[] poison = poisons[random.nextInt(poisons.length)];
        int at = random.nextInt(bytes.length - poison.length + 1);
        System.arraycopy(poison, 0, bytes, at, poison.length);
        return bytes;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
