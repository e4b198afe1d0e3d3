package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.gateway.event.Events.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.Events;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.gateway.replay.ReplayResult;
import com.escrowplatform.realtime.gateway.replay.ReplayWindow;

/**
 * The seam under load: a consumer thread publishes without pause while clients subscribe with and without
 * a resume position. Every client must get each event of its room after its position exactly once and in
 * order, whether the replay came from the window or from a cold reader finishing on another thread.
 */
class HubSeamTest {

    private static final int ROOMS = 8;
    private static final int PARTITIONS = 4;
    private static final int SUBSCRIBER_THREADS = 2;
    private static final int SUBSCRIBES_PER_THREAD = 300;
    /** Events the publisher may publish per step of a subscriber; round-robin, so every room gets some. */
    private static final int EVENTS_PER_STEP = 6 * ROOMS;
    private static final int MAX_MISSED_OFFSETS = 120;

    private final RoomPartitioner partitioner = Events.partitioner(PARTITIONS);
    private final PublishedLog log = new PublishedLog();
    private final ExecutorService coldReaders = Executors.newFixedThreadPool(2, r -> new Thread(r, "cold-reader"));
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        coldReaders.shutdownNow();
        threads.shutdownNow();
    }

    @Test
    void shouldReplayMissedEventsInOrderAcrossTheSeam() throws Exception {
        Hub hub = new Hub(windowStartingAtZero(1_000_000), ColdReplay.NONE, partitioner, DefaultLimits.HUB);

        runSubscribersAgainstAPublisher(hub, true);

        assertThat(hub.hotReplays()).isEqualTo(SUBSCRIBER_THREADS * SUBSCRIBES_PER_THREAD);
    }

    @Test
    void shouldReplayAcrossTheSeamWhenAColdReaderCompletesOnAnotherThread() throws Exception {
        ColdReplay cold = (room, after, max) -> CompletableFuture.supplyAsync(() -> log.read(room, after, max), coldReaders);
        Hub hub = new Hub(windowStartingAtZero(16), cold, partitioner, DefaultLimits.HUB);

        runSubscribersAgainstAPublisher(hub, true);

        assertThat(hub.coldReplays()).isPositive();
        assertThat(hub.hotReplays() + hub.coldReplays()).isEqualTo(SUBSCRIBER_THREADS * SUBSCRIBES_PER_THREAD);
        assertThat(hub.unrecoveredReplays()).isZero();
    }

    @Test
    void shouldDeliverEverythingAfterTheReplyPositionToAFreshSubscriber() throws Exception {
        Hub hub = new Hub(windowStartingAtZero(1000), ColdReplay.NONE, partitioner, DefaultLimits.HUB);

        runSubscribersAgainstAPublisher(hub, false);
    }

    /** As the live consumer declares its start position on assignment. */
    private ReplayWindow windowStartingAtZero(int maxEventsPerPartition) {
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, maxEventsPerPartition, Long.MAX_VALUE);
        for (int p = 0; p < PARTITIONS; p++) {
            window.startAt(new StreamPartition(TOPIC, p), 0);
        }
        return window;
    }

    private void runSubscribersAgainstAPublisher(Hub hub, boolean resume) throws Exception {
        Semaphore publishPermits = new Semaphore(EVENTS_PER_STEP);
        AtomicBoolean subscribersDone = new AtomicBoolean();
        Future<?> publisher = threads.submit(() -> publish(hub, publishPermits, subscribersDone));
        List<Future<?>> subscribers = new ArrayList<>();
        for (int t = 0; t < SUBSCRIBER_THREADS; t++) {
            subscribers.add(threads.submit(() -> {
                for (int i = 0; i < SUBSCRIBES_PER_THREAD; i++) {
                    subscribeAndCheck(hub, publishPermits, resume);
                }
                return null;
            }));
        }
        try {
            for (Future<?> subscriber : subscribers) {
                subscriber.get(120, TimeUnit.SECONDS);
            }
        } finally {
            subscribersDone.set(true);
            publishPermits.release(Integer.MAX_VALUE / 2);
        }
        publisher.get(30, TimeUnit.SECONDS);
        assertThat(hub.socketCount()).isZero();
        assertThat(hub.roomCount()).isZero();
    }

    /** The live consumer: round-robin over the rooms, with holes in the offsets like transaction markers. */
    private Void publish(Hub hub, Semaphore permits, AtomicBoolean done) throws InterruptedException {
        long[] nextOffset = new long[PARTITIONS];
        for (long i = 0; !done.get(); i++) {
            permits.acquire();
            int roomNo = (int) (i % ROOMS);
            int partition = roomNo % PARTITIONS;
            long offset = nextOffset[partition];
            nextOffset[partition] += i % 13 == 0 ? 2 : 1;
            GatewayEvent event = Events.event(room(roomNo), partition, offset);
            log.add(event); // before publishing, as Kafka has a record before the consumer reads it
            hub.publish(event);
        }
        return null;
    }

    private void subscribeAndCheck(Hub hub, Semaphore publishPermits, boolean resume) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int roomNo = random.nextInt(ROOMS);
        String room = room(roomNo);
        StreamPartition partition = new StreamPartition(TOPIC, roomNo % PARTITIONS);
        // Often the newest record: a client that missed nothing, whose position may not be in the window yet.
        int missedOffsets = random.nextInt(4) == 0 ? 0 : random.nextInt(MAX_MISSED_OFFSETS);
        long after = Math.max(-1, log.end(partition.partition()) - missedOffsets);
        RecordingPeer peer = RecordingPeer.openOn(hub);

        var stage = hub.subscribe(peer.subscriber(), room,
                resume ? Optional.of(partition.at(after)) : Optional.empty(), peer::reply);
        publishPermits.release(EVENTS_PER_STEP); // publishing goes on while the subscribe is in flight
        Subscribed reply = stage.toCompletableFuture().join();
        publishPermits.release(EVENTS_PER_STEP); // and brings live events after the seam
        await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(10))
                .until(() -> peer.lastOffset() > reply.seenThrough().offset());

        List<GatewayEvent> received = peer.events();
        long from = resume ? after : reply.seenThrough().offset();
        long through = received.get(received.size() - 1).position().offset();
        assertThat(reply.recovered()).isEqualTo(resume);
        assertThat(peer.frames().get(0)).as("the reply comes first").isEqualTo(reply);
        assertThat(received).as("room %s after %d", room, from)
                .containsExactlyElementsOf(log.roomEvents(room, partition.partition(), from, through));
        hub.close(peer.subscriber());
    }

    private static String room(int roomNo) {
        return "room-" + roomNo + ":seam";
    }

    /** Everything published, per partition in offset order: the expectation, and the stub's Kafka. */
    private static final class PublishedLog {
        private final List<List<GatewayEvent>> partitions = new ArrayList<>();

        PublishedLog() {
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new ArrayList<>());
            }
        }

        synchronized void add(GatewayEvent event) {
            partitions.get(event.position().partition()).add(event);
        }

        synchronized long end(int partition) {
            List<GatewayEvent> events = partitions.get(partition);
            return events.isEmpty() ? -1 : events.get(events.size() - 1).position().offset();
        }

        synchronized List<GatewayEvent> roomEvents(String room, int partition, long after, long through) {
            return partitions.get(partition).stream()
                    .filter(e -> e.room().equals(room))
                    .filter(e -> e.position().offset() > after && e.position().offset() <= through)
                    .toList();
        }

        /** What a Kafka reader seeking to {@code after + 1} and reading to the log end returns. */
        synchronized ReplayResult read(String room, StreamPosition after, int maxEvents) {
            long end = end(after.partition());
            List<GatewayEvent> missed = roomEvents(room, after.partition(), after.offset(), end);
            return missed.size() > maxEvents
                    ? new ReplayResult.Unrecoverable(ReplayResult.Reason.TOO_MANY_EVENTS)
                    : new ReplayResult.Recovered(missed, end);
        }
    }
}
