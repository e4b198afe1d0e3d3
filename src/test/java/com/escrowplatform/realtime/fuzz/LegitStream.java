package com.escrowplatform.realtime.fuzz;

import static com.escrowplatform.realtime.testsupport.ForeignRecords.cloudEvent;
import static com.escrowplatform.realtime.testsupport.ForeignRecords.utf8;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.RoomFrames;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A legitimate client beside the fuzzer: another service produces a steady stream of events of one escrow to
 * {@code escrow.events} (CONTRACT 4, the shape {@code DeadLetterTest} uses), and one of its parties follows the
 * room on {@code /ws}. Each event's latency runs from the producer's send to the subscriber taking the frame off
 * its socket. Versions start high so that the escrow's own creation event cannot be mistaken for one of these.
 */
final class LegitStream implements AutoCloseable {
    static final String ACTOR = "legit-stream";
    static final long FIRST_VERSION = 1_000_001;

    private final KafkaProducer<String, byte[]> producer;
    private final String escrowId;
    private final String room;
    private final WsClient subscriber;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(
            runnable -> new Thread(runnable, "legit-stream-pacer"));
    private final Thread reader;
    private volatile boolean reading = true;
    private final AtomicLong nextVersion = new AtomicLong(FIRST_VERSION);
    private final Map<Long, Long> sentAtNanos = new ConcurrentHashMap<>();
    /** Versions and event ids in arrival order, with each latency. */
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Throwable> sendFailures = new CopyOnWriteArrayList<>();
    /** Frames of the room that a poison record became: there must be none. */
    private final List<JsonNode> poisonDelivered = new CopyOnWriteArrayList<>();

    record Received(long version, String id, long latencyNanos) {
    }

    LegitStream(URI base, KafkaProducer<String, byte[]> producer, String escrowId, String party) {
        this.producer = producer;
        this.escrowId = escrowId;
        this.room = "escrow:" + escrowId;
        this.subscriber = WsClient.connect(base, TestTokens.forUser(party));
        RoomFrames.awaitWelcome(subscriber);
        RoomFrames.subscribed(subscriber, room, null);
        this.reader = new Thread(this::read, "legit-stream-reader");
        reader.start();
    }

    /** Sends one event every {@code interval} until {@link ScheduledFuture#cancel}, at most {@code max}. */
    ScheduledFuture<?> produceEvery(Duration interval, long max) {
        long last = nextVersion.get() + max - 1;
        return pacer.scheduleAtFixedRate(() -> {
            if (nextVersion.get() <= last) {
                send(nextVersion.getAndIncrement());
            }
        }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Versions sent so far. */
    long sent() {
        return nextVersion.get() - FIRST_VERSION;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    List<JsonNode> poisonDelivered() {
        return List.copyOf(poisonDelivered);
    }

    List<Throwable> sendFailures() {
        return List.copyOf(sendFailures);
    }

    /** The p99 latency in ms of the events from {@code fromIndex} (in arrival order) to {@code toIndex}, exclusive. */
    double p99Millis(int fromIndex, int toIndex) {
        List<Long> latencies = new ArrayList<>();
        List<Received> all = received();
        for (int i = fromIndex; i < toIndex; i++) {
            latencies.add(all.get(i).latencyNanos());
        }
        latencies.sort(null);
        int rank = (int) Math.ceil(0.99 * latencies.size()) - 1;
        return latencies.get(Math.max(rank, 0)) / 1e6;
    }

    private void send(long version) {
        String data = Json.MAPPER.createObjectNode().put("escrowId", escrowId).put("version", version)
                .put("from", "ACTIVE").put("to", "ACTIVE").put("occurredAt", Instant.now().toString()).put("actorId", ACTOR)
                .toString();
        sentAtNanos.put(version, System.nanoTime());
        producer.send(cloudEvent("escrow.events", "legit-" + UUID.randomUUID(), "escrow:status_changed", escrowId, escrowId,
                utf8(data)), (metadata, failure) -> {
                    if (failure != null) {
                        sendFailures.add(failure);
                    }
                });
    }

    private void read() {
        try {
            while (reading) {
                JsonNode frame = subscriber.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                if (frame != null && room.equals(frame.path("room").asText())
                        && "poison".equals(frame.path("data").path("actorId").asText())) {
                    poisonDelivered.add(frame);
                } else if (frame != null && room.equals(frame.path("room").asText())
                        && ACTOR.equals(frame.path("data").path("actorId").asText())) {
                    long version = frame.path("data").path("version").asLong();
                    Long sentAt = sentAtNanos.get(version);
                    received.add(new Received(version, frame.path("id").asText(), sentAt == null ? -1 : now - sentAt));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How the subscriber's socket ended, if it did: it must not, for the whole run. */
    boolean subscriberClosed() {
        return subscriber.closed().isDone();
    }

    @Override
    public void close() {
        pacer.shutdownNow();
        reading = false;
        try {
            pacer.awaitTermination(5, TimeUnit.SECONDS);
            reader.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        subscriber.close();
    }
}
