package com.escrowplatform.realtime.gateway.kafka;

import java.time.Duration;

/**
 * At most one WARN per interval for a condition that can repeat at the rate of its cause (a producer that
 * writes only malformed records): the first occurrence of each interval is a WARN, the rest go to DEBUG, and
 * the next WARN says how many went there meanwhile. One thread only (the dead-letter router's).
 */
final class WarningBudget {
    /** What {@link #spend} answers for an occurrence that goes to DEBUG. */
    static final long DEBUG = -1;

    private final long intervalNanos;
    private boolean warned;
    private long lastWarningNanos;
    private long sinceLastWarning;

    WarningBudget(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /**
     * For an occurrence at {@code nowNanos} ({@link System#nanoTime()}): {@link #DEBUG}, or, when it is a WARN, how
     * many occurrences went to DEBUG since the last WARN.
     */
    long spend(long nowNanos) {
        if (warned && nowNanos - lastWarningNanos < intervalNanos) {
            sinceLastWarning++;
            return DEBUG;
        }
        long suppressed = sinceLastWarning;
        warned = true;
        lastWarningNanos = nowNanos;
        sinceLastWarning = 0;
        return suppressed;
    }
}
