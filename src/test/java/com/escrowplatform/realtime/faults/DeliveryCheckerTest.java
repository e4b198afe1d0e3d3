package com.escrowplatform.realtime.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.faults.DeliveryChecker.Baseline;
import com.escrowplatform.realtime.faults.DeliveryChecker.Delivered;
import com.escrowplatform.realtime.faults.DeliveryChecker.Kind;
import com.escrowplatform.realtime.faults.DeliveryChecker.Observation;
import com.escrowplatform.realtime.faults.DeliveryChecker.Report;
import com.escrowplatform.realtime.faults.DeliveryChecker.View;

/** The checker itself: a clean history passes, and every planted anomaly is named. */
class DeliveryCheckerTest {
    private static final String ESCROW = "e1";
    private static final Map<String, List<Long>> LOG = Map.of(ESCROW, LongStream.rangeClosed(1, 10).boxed().toList());

    @Test
    void shouldPassAHistoryThatSawEveryEventAfterItsBaselineOnceInOrder() {
        Report report = check(history(3, 4, 5, 6, 7, 8, 9, 10));
        assertThat(report.anomalies()).isEmpty();
        assertThat(report.requiredDeliveries()).isEqualTo(8);
        assertThat(report.applied()).isEqualTo(8);
    }

    @Test
    void shouldNameADeliveryRemovedFromACopyOfTheLogLostAndSkipped() {
        Report report = check(history(3, 4, 5, 7, 8, 9, 10));
        assertThat(report.counts()).containsEntry(Kind.LOST, 1).containsEntry(Kind.SKIP, 1)
                .containsEntry(Kind.DUPLICATE, 0).containsEntry(Kind.NONMONOTONIC, 0);
        assertThat(report.anomalies()).extracting(Object::toString)
                .contains("LOST e1 at c1: v6 never delivered", "SKIP e1 at c1: v6..v6 skipped before v7");
    }

    @Test
    void shouldNameARepeatedEventDuplicateWhetherItComesBackUnderItsIdOrAnother() {
        List<Observation> sameId = history(3, 4, 5, 6, 7, 8, 9, 10);
        sameId.add(6, sameId.get(5));
        List<Observation> otherId = history(3, 4, 5, 6, 7, 8, 9, 10);
        otherId.add(new Delivered("resent-7", 7));
        assertThat(check(sameId).counts()).containsEntry(Kind.DUPLICATE, 1).containsEntry(Kind.LOST, 0);
        assertThat(check(otherId).counts()).containsEntry(Kind.DUPLICATE, 1);
    }

    @Test
    void shouldNameAnEventThatOvertookAnEarlierOneNonmonotonic() {
        // v9 before v8: the relay's reordering after a broker restart looks like this to a client
        Report report = check(history(3, 4, 5, 6, 7, 9, 8, 10));
        assertThat(report.counts()).containsEntry(Kind.NONMONOTONIC, 1).containsEntry(Kind.SKIP, 1)
                .containsEntry(Kind.LOST, 0);
    }

    @Test
    void shouldNameAClientThatNeverGotTheLastVersionUnseen() {
        Report report = check(history(3, 4, 5, 6, 7, 8, 9));
        assertThat(report.counts()).containsEntry(Kind.UNSEEN, 1).containsEntry(Kind.LOST, 1);
    }

    @Test
    void shouldAcceptAGapCoveredByARecoveredFalseReloadAndIgnoreStaleEventsAfterIt() {
        List<Observation> seen = history(3, 4, 5);
        seen.add(new Baseline(8)); // recovered:false, the client reloaded the escrow at v8
        seen.add(new Delivered("id-7", 7)); // in flight before the reload: stale, ignored
        seen.add(new Delivered("id-9", 9));
        seen.add(new Delivered("id-10", 10));
        Report report = check(seen);
        assertThat(report.anomalies()).isEmpty();
        assertThat(report.requiredDeliveries()).as("v9 and v10: the reload covers the rest").isEqualTo(2);
    }

    @Test
    void shouldNameAnEffectThatAppearsTwiceInAnEscrowsLogAppliedTwice() {
        Report report = DeliveryChecker.check(LOG,
                Map.of(ESCROW, List.of("milestone_released:m1", "milestone_released:m2", "milestone_released:m1")),
                List.of(new View("c1", ESCROW, history(3, 4, 5, 6, 7, 8, 9, 10), true)));
        assertThat(report.counts()).containsEntry(Kind.APPLIED_TWICE, 1);
    }

    /** A client that loaded the escrow at v2, then saw the given versions. */
    private static List<Observation> history(long... versions) {
        List<Observation> observations = new ArrayList<>();
        observations.add(new Baseline(2));
        for (long version : versions) {
            observations.add(new Delivered("id-" + version, version));
        }
        return observations;
    }

    private static Report check(List<Observation> observations) {
        return DeliveryChecker.check(LOG, Map.of(), List.of(new View("c1", ESCROW, observations, true)));
    }
}
