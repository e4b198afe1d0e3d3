package com.escrowplatform.realtime.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A flood of malformed records costs the log one WARN a minute, which counts the ones logged at DEBUG. */
class WarningBudgetTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void shouldWarnOncePerIntervalAndCountWhatWentToDebugMeanwhile() {
        WarningBudget budget = new WarningBudget(Duration.ofMinutes(1));
        long start = 1_000 * SECOND;

        assertThat(budget.spend(start)).as("the first occurrence").isZero();
        for (int i = 1; i <= 500; i++) {
            assertThat(budget.spend(start + i * 100_000_000L)).as("occurrence " + i + " within the minute")
                    .isEqualTo(WarningBudget.DEBUG);
        }
        assertThat(budget.spend(start + 60 * SECOND)).as("the first of the next minute").isEqualTo(500);
        assertThat(budget.spend(start + 61 * SECOND)).isEqualTo(WarningBudget.DEBUG);
        assertThat(budget.spend(start + 300 * SECOND)).as("after a quiet spell").isEqualTo(1);
        assertThat(budget.spend(start + 400 * SECOND)).as("nothing went to DEBUG in between").isZero();
    }

    @Test
    void shouldWarnAtTheFirstOccurrenceWhateverTheClockReads() {
        assertThat(new WarningBudget(Duration.ofMinutes(1)).spend(Long.MIN_VALUE + 5)).isZero();
        assertThat(new WarningBudget(Duration.ofMinutes(1)).spend(0)).isZero();
    }
}
