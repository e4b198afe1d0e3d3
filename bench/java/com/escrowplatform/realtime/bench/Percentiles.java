package com.escrowplatform.realtime.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a set of samples, in whatever unit they were taken. */
final class Percentiles {
    private final double[] sorted;

    Percentiles(double[] samples) {
        this.sorted = samples.clone();
        Arrays.sort(sorted);
    }

    double at(double percentile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    String summary(String unit) {
        return String.format("n=%d p50=%.2f%s p90=%.2f%s p99=%.2f%s max=%.2f%s", sorted.length, at(50), unit, at(90), unit,
                at(99), unit, sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1], unit);
    }
}
