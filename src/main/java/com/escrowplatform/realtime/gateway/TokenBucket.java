package com.escrowplatform.realtime.gateway;

/**
 * A token bucket: {@code burst} tokens at most, refilled at {@code perSecond}. Not thread-safe: guarded by
 * its owner's lock (the {@link Subscriber}).
 */
final class TokenBucket {

    private final double tokensPerNano;
    private final double capacity;
    private double tokens;
    private long lastRefill;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.tokensPerNano = perSecond / 1e9;
        this.capacity = burst;
        this.tokens = burst;
        this.lastRefill = nowNanos;
    }

    boolean tryTake(long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - lastRefill) * tokensPerNano);
        lastRefill = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
