package com.escrowplatform.realtime.gateway.replay;

import static com.escrowplatform.realtime.gateway.event.Events.TOPIC;
import static com.escrowplatform.realtime.gateway.event.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.escrowplatform.realtime.gateway.event.Events;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.NotInWindow;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.Reason;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.Recovered;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.Unrecoverable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryReplayWindowTest {

    private static final String A = "room-0:a";
    private static final String B = "room-0:b";
    private static final StreamPartition P0 = new StreamPartition(TOPIC, 0);

    private final RoomPartitioner partitioner = Events.partitioner(2);

    @Test
    void shouldReplayOnlyTheRoomsEventsAfterThePositionInOrder() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        List<GatewayEvent> roomA = new ArrayList<>();
        for (long offset = 0; offset < 10; offset++) {
            GatewayEvent e = event(offset % 2 == 0 ? A : B, 0, offset);
            window.append(e);
            if (offset % 2 == 0 && offset > 3) {
                roomA.add(e);
            }
        }

        ReplayResult result = window.replay(A, P0.at(3), 100);

        assertThat(result).isEqualTo(new Recovered(roomA, 9));
    }

    @Test
    void shouldRecoverNothingMissedWhenThePositionIsTheEnd() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        window.append(event(A, 0, 5));

        assertThat(window.replay(A, P0.at(5), 100)).isEqualTo(new Recovered(List.of(), 5));
    }

    @Test
    void shouldEvictByCountAndThenSendOlderPositionsToTheColdPath() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 3, 1 << 20);
        for (long offset = 0; offset < 5; offset++) {
            window.append(event(A, 0, offset));
        }

        assertThat(window.retainedEvents()).isEqualTo(3);
        assertThat(window.evictedEvents()).isEqualTo(2);
        assertThat(window.replay(A, P0.at(0), 100)).isEqualTo(NotInWindow.INSTANCE);
        assertThat(((Recovered) window.replay(A, P0.at(1), 100)).events())
                .extracting(e -> e.position().offset()).containsExactly(2L, 3L, 4L);
    }

    @Test
    void shouldEvictByBytes() {
        long eventSize = event(A, 0, 0).retainedBytes();
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 1000, eventSize * 2L);
        for (long offset = 0; offset < 4; offset++) {
            window.append(event(A, 0, offset));
        }

        assertThat(window.retainedEvents()).isEqualTo(2);
        assertThat(window.retainedBytes()).isEqualTo(eventSize * 2L);
        assertThat(window.replay(A, P0.at(0), 100)).isInstanceOf(NotInWindow.class);
        assertThat(window.replay(A, P0.at(1), 100)).isInstanceOf(Recovered.class);
    }

    @Test
    void shouldStayCompleteAcrossOffsetGapsWhenNothingWasEvicted() {
        // Transaction markers and dead-lettered records leave holes in the offsets; they are not losses.
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        window.startAt(P0, 10);
        window.append(event(A, 0, 13));
        window.append(event(A, 0, 17));

        assertThat(window.replay(A, P0.at(9), 100)).isInstanceOf(Recovered.class);
        assertThat(window.replay(A, P0.at(14), 100)).isInstanceOf(Recovered.class);
        assertThat(window.replay(A, P0.at(8), 100)).isInstanceOf(NotInWindow.class);
    }

    @Test
    void shouldKnowTheEndOfAPartitionFromItsStartPositionBeforeAnyRecord() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        assertThat(window.endOffset(P0)).isEqualTo(-1);

        window.startAt(P0, 500);

        assertThat(window.endOffset(P0)).isEqualTo(499);
        assertThat(window.replay(A, P0.at(499), 100)).isEqualTo(new Recovered(List.of(), 499));
    }

    @Test
    void shouldTakeAPositionSlightlyAheadAsThisConsumerLagging() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20, 10);
        window.append(event(A, 0, 5));

        assertThat(window.replay(A, P0.at(15), 100)).isEqualTo(new Recovered(List.of(), 15));
    }

    @Test
    void shouldLeavePositionsFarAheadToTheColdPath() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20, 10);
        window.append(event(A, 0, 5));

        assertThat(window.replay(A, P0.at(16), 100)).isInstanceOf(NotInWindow.class);
    }

    @Test
    void shouldSendUnknownPartitionsToTheColdPath() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);

        assertThat(window.replay(A, P0.at(3), 100)).isInstanceOf(NotInWindow.class);
    }

    @Test
    void shouldRefuseAPositionOfAnotherTopicIncarnation() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        window.append(event(A, 0, 5));

        assertThat(window.replay(A, new StreamPosition(UUID.randomUUID(), 0, 3), 100))
                .isEqualTo(new Unrecoverable(Reason.TOPIC_RECREATED));
        assertThat(window.replay(A, new StreamPosition(TOPIC, 1, 3), 100))
                .isEqualTo(new Unrecoverable(Reason.PARTITION_CHANGED));
    }

    @Test
    void shouldRefuseToReplayMoreThanTheMaximum() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        for (long offset = 0; offset < 10; offset++) {
            window.append(event(A, 0, offset));
        }

        assertThat(window.replay(A, P0.at(4), 5)).isInstanceOf(Recovered.class);
        assertThat(window.replay(A, P0.at(3), 5)).isEqualTo(new Unrecoverable(Reason.TOO_MANY_EVENTS));
    }

    @Test
    void shouldIgnoreRecordsReReadAfterARewind() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        window.append(event(A, 0, 5));
        window.append(event(A, 0, 6));
        window.append(event(A, 0, 5));

        assertThat(window.retainedEvents()).isEqualTo(2);
        assertThat(window.endOffset(P0)).isEqualTo(6);
    }

    @Test
    void shouldDropHeldEventsWhenTheConsumerJumpsForward() {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 100, 1 << 20);
        window.append(event(A, 0, 5));

        window.startAt(P0, 50);

        assertThat(window.retainedEvents()).isZero();
        assertThat(window.replay(A, P0.at(5), 100)).isInstanceOf(NotInWindow.class);
        assertThat(window.replay(A, P0.at(49), 100)).isInstanceOf(Recovered.class);
    }

    /**
     * Guards replays racing the consumer: every answer is either a gap-free run of the room's offsets up to the
     * end the window reports, or "not in window" because the consumer evicted past the position between the
     * reader's two calls; never a partial or reordered run. Each reader gets recovered runs to check, and a
     * replay after the last append recovers exactly the newest events.
     */
    @Test
    void shouldServeConsistentReplaysWhileTheConsumerAppends() throws Exception {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 200, 1 << 20);
        window.startAt(P0, 0);
        ExecutorService readers = Executors.newFixedThreadPool(2);
        CountDownLatch appending = new CountDownLatch(1);
        try {
            List<Future<Integer>> checks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                checks.add(readers.submit(() -> {
                    appending.await();
                    int recoveredRuns = 0;
                    for (int i = 0; i < 2_000; i++) {
                        long after = Math.max(-1, window.endOffset(P0) - 50);
                        ReplayResult result = window.replay(A, P0.at(after), 1000);
                        assertThat(result).isInstanceOfAny(Recovered.class, NotInWindow.class);
                        if (result instanceof Recovered recovered) {
                            assertGapFreeRun(recovered, after);
                            recoveredRuns++;
                        }
                    }
                    return recoveredRuns;
                }));
            }
            appending.countDown();
            for (long offset = 0; offset < 20_000; offset++) {
                window.append(event(A, 0, offset));
            }
            for (Future<Integer> check : checks) {
                // each "not in window" takes 150 appends between one reader's two calls, and there are 20,000 in
                // all: at most 133 of a reader's 2,000 answers can be one, however the threads are scheduled
                assertThat(check.get(30, TimeUnit.SECONDS)).as("recovered runs a reader checked").isPositive();
            }
        } finally {
            readers.shutdownNow();
        }

        ReplayResult last = window.replay(A, P0.at(19_949), 1000);
        assertThat(last).isInstanceOf(Recovered.class);
        assertGapFreeRun((Recovered) last, 19_949);
        assertThat(((Recovered) last).events()).hasSize(50);
    }

    /** The run holds every offset after {@code after} up to its last offset, once and in order. */
    private static void assertGapFreeRun(Recovered recovered, long after) {
        long previous = after;
        for (GatewayEvent e : recovered.events()) {
            assertThat(e.position().offset()).isEqualTo(previous + 1);
            previous = e.position().offset();
        }
        assertThat(previous).isEqualTo(recovered.lastOffset());
    }
}
