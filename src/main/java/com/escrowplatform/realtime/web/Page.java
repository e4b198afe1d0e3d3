package com.escrowplatform.realtime.web;

import java.util.List;

/** One page of a list, newest first: {@code page} counts from 0. */
public record Page<T>(List<T> items, int page, int size, long total) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;

    /** Checks ?page and ?size (400 with the field named) and returns them as {page, size}. */
    public static int[] validate(Integer page, Integer size) {
        int p = page == null ? 0 : page;
        int s = size == null ? DEFAULT_SIZE : size;
        if (p < 0) {
            throw ApiException.badRequest("page", "must be 0 or more");
        }
        if (s < 1 || s > MAX_SIZE) {
            throw ApiException.badRequest("size", "must be between 1 and " + MAX_SIZE);
        }
        return new int[] { p, s };
    }
}
