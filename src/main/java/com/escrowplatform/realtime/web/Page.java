package com.escrowplatform.realtime.web;

import java.util.List;

/** One page of a list, newest first: {@code page} counts from 0. */
public record Page<T>(List<T> items, int page, int size, long total) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;

    /**
     * Checks ?page and ?size (400 with the field named) and returns them as {page, size}. They arrive as
     * text: a typed query parameter that does not parse would be a 404 in JAX-RS, not a 400.
     */
    public static int[] validate(String page, String size) {
        int p = (int) wholeNumber("page", page, 0, 0, Integer.MAX_VALUE);
        int s = (int) wholeNumber("size", size, DEFAULT_SIZE, 1, MAX_SIZE);
        return new int[] { p, s };
    }

    /** A whole-number query parameter: {@code fallback} when absent, else within [min, max] or a 400 naming it. */
    public static long wholeNumber(String name, String value, long fallback, long min, long max) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException notANumber) {
            throw ApiException.badRequest(name, "must be a whole number");
        }
        if (number < min || number > max) {
            throw ApiException.badRequest(name, max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                    ? "must be " + min + " or more" : "must be between " + min + " and " + max);
        }
        return number;
    }
}
