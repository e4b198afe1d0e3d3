package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.gateway.event.Events.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.Events;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.gateway.replay.ReplayResult;

/** Guards against leaks in the two indexes: whatever the interleaving, no subscriber means no room. */
class HubCleanupTest {

    private static final int THREADS = 4;
    private static final int CYCLES_PER_THREAD = 2_500;
    private static final int ROOMS = 50;
    private static final int PARTITIONS = 4;

    @Test
    void shouldEndWithNoRoomsSocketsOrSubscriptionsAfterManyConcurrentCycles() throws Exception {
        RoomPartitioner partitioner = Events.partitioner(PARTITIONS);
        ExecutorService coldReaders = Executors.newSingleThreadExecutor(r -> new Thread(r, "cold-reader"));
        // Some resumes go cold and finish later on the reader, often after their subscriber closed.
        ColdReplay cold = (room, after, max) -> CompletableFuture.supplyAsync(
                () -> new ReplayResult.Unrecoverable(ReplayResult.Reason.NOT_RETAINED), coldReaders);
        Hub hub = new Hub(new InMemoryReplayWindow(partitioner, 64, Long.MAX_VALUE), cold, partitioner,
                DefaultLimits.HUB);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS + 1);
        AtomicBoolean done = new AtomicBoolean();
        try {
            Future<?> publisher = threads.submit(() -> {
                for (long offset = 0; !done.get(); offset++) {
                    int roomNo = (int) (offset % ROOMS);
                    hub.publish(Events.event("room-" + roomNo + ":c", roomNo % PARTITIONS, offset));
                }
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(threads.submit(() -> {
                    for (int i = 0; i < CYCLES_PER_THREAD; i++) {
                        cycle(hub);
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(120, TimeUnit.SECONDS);
            }
            done.set(true);
            publisher.get(10, TimeUnit.SECONDS);
            coldReaders.shutdown();
            assertThat(coldReaders.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            done.set(true);
            threads.shutdownNow();
            coldReaders.shutdownNow();
        }

        assertThat(hub.socketCount()).isZero();
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
    }

    private static void cycle(Hub hub) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        List<CompletionStage<Subscribed>> stages = new ArrayList<>();
        int rooms = 1 + random.nextInt(3);
        for (int r = 0; r < rooms; r++) {
            int roomNo = random.nextInt(ROOMS);
            Optional<StreamPosition> after = random.nextBoolean()
                    ? Optional.of(new StreamPosition(TOPIC, roomNo % PARTITIONS, random.nextLong(0, 100_000)))
                    : Optional.empty();
            stages.add(hub.subscribe(peer.subscriber(), "room-" + roomNo + ":c", after, peer::reply));
        }
        if (random.nextBoolean()) {
            hub.unsubscribe(peer.subscriber(), "room-" + random.nextInt(ROOMS) + ":c");
        }
        if (random.nextBoolean()) {
            stages.forEach(stage -> stage.toCompletableFuture().handle((ok, failure) -> null).join());
        }
        hub.close(peer.subscriber());
    }
}
