package com.escrowplatform.realtime.gateway.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.kafka.CloudEventShape.Checked;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.Reason;
import com.escrowplatform.realtime.gateway.replay.ReplayResult;

/**
 * The cold path of replay: what the in-memory window no longer holds is read from Kafka by offset, through a
 * small fixed pool of readers shared by every client of the instance (never a consumer per client). A
 * reconnect storm waits here, within bounds, instead of opening thousands of consumers.
 *
 * <h2>Bounds</h2>
 * <ul>
 *   <li>At most {@code maxPending} replays are waiting or being read; one more is answered at once with
 *       {@link Reason#READERS_BUSY} (the client gets {@code recovered:false} and reloads).</li>
 *   <li>Each replay is answered within {@code deadline} of its request, waiting included: a timer answers
 *       {@link Reason#READ_FAILED} when the read has not finished by then.</li>
 *   <li>Replays of one partition that wait together are served by one read: a seek to the lowest position
 *       they need and one scan to the log end, each replay keeping its own room's records.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link #replay} runs on event loops and only queues. Each reader thread owns one group-less KafkaConsumer
 * (thread confinement: KafkaConsumer is not thread-safe) and takes the partition whose oldest request waited
 * longest. Replies complete on a reader thread, or on the timer's thread at the deadline. The queue is
 * guarded by {@code lock}; nothing slow runs under it.
 *
 * <p>A replay reads the room's partition from {@code after + 1} to the log end it found when its read began,
 * keeping the room's well-formed records; it also reads a short look-back before {@code after} to know
 * ce_ids already delivered, so a record the relay sent twice is not replayed.
 */
final class KafkaReplayReader implements ColdReplay {
    private static final Logger LOG = Logger.getLogger(KafkaReplayReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * @param readers        reader threads, each with its own consumer
     * @param maxPending     replays waiting or being read at once; more are refused at once
     * @param deadline       longest time from a request to its answer
     * @param scanLimit      most offsets one replay may span in its partition (look-back included)
     * @param dedupeLookBack offsets read before a replay's position to know the ce_ids already delivered
     */
    record Limits(int readers, int maxPending, Duration deadline, int scanLimit, int dedupeLookBack) {
        Limits {
            if (readers < 1 || maxPending < 1 || deadline.isNegative() || deadline.isZero() || scanLimit < 1
                    || dedupeLookBack < 0) {
                throw new IllegalArgumentException("invalid cold replay limits");
            }
        }
    }

    private final Map<UUID, KafkaLiveConsumer.Topic> topicsById;
    private final RoomPartitioner partitioner;
    private final Map<String, Object> consumerConfig;
    private final Limits limits;
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaConsumer<String, byte[]>> opened = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    // Guarded by lock:
    /** Requests not yet taken by a reader, per partition, in the order each partition's first one came. */
    private final LinkedHashMap<TopicPartition, List<Request>> waiting = new LinkedHashMap<>();
    /** Requests not yet answered: waiting or being read. */
    private int pending;
    private boolean closed;

    private final LongAdder reads = new LongAdder();
    private final LongAdder readRequests = new LongAdder();
    private final LongAdder refusedBusy = new LongAdder();
    private final LongAdder timedOut = new LongAdder();

    KafkaReplayReader(Map<UUID, KafkaLiveConsumer.Topic> topicsById, RoomPartitioner partitioner,
            Map<String, Object> consumerConfig, Limits limits) {
        this.topicsById = topicsById;
        this.partitioner = partitioner;
        this.consumerConfig = consumerConfig;
        this.limits = limits;
        for (int i = 1; i <= limits.readers(); i++) {
            Thread thread = new Thread(this::runReader, "gateway-replay-reader-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** One client's replay, from its request to its answer. */
    private static final class Request {
        final String room;
        final String key;
        final StreamPosition after;
        final int maxEvents;
        final TopicPartition partition;
        final KafkaLiveConsumer.Topic topic;
        final CompletableFuture<ReplayResult> answer = new CompletableFuture<>();
        // Reader thread only, during its read:
        long from;
        final Set<String> seenCeIds = new HashSet<>();
        final List<GatewayEvent> events = new ArrayList<>();

        Request(String room, StreamPosition after, int maxEvents, KafkaLiveConsumer.Topic topic) {
            this.room = room;
            this.key = Room.parse(room).subject();
            this.after = after;
            this.maxEvents = maxEvents;
            this.topic = topic;
            this.partition = new TopicPartition(topic.name(), after.partition());
        }
    }

    @Override
    public CompletionStage<ReplayResult> replay(String room, StreamPosition after, int maxEvents) {
        StreamPartition current = partitioner.partitionOf(room);
        if (!current.topicId().equals(after.topicId())) {
            return answered(Reason.TOPIC_RECREATED);
        }
        if (current.partition() != after.partition()) {
            return answered(Reason.PARTITION_CHANGED);
        }
        Request request = new Request(room, after, maxEvents, topicsById.get(after.topicId()));
        synchronized (lock) {
            if (closed) {
                return answered(Reason.READ_FAILED);
            }
            if (pending >= limits.maxPending()) {
                refusedBusy.increment();
                return answered(Reason.READERS_BUSY);
            }
            pending++;
            waiting.computeIfAbsent(request.partition, p -> new ArrayList<>()).add(request);
            lock.notify();
        }
        // Answered once, whichever comes first: the read, or the deadline (counted from now, waiting included).
        request.answer.completeOnTimeout(null, limits.deadline().toNanos(), TimeUnit.NANOSECONDS);
        return request.answer.handle((result, failure) -> {
            release(request);
            if (result == null) {
                timedOut.increment();
                return new ReplayResult.Unrecoverable(Reason.READ_FAILED);
            }
            return result;
        });
    }

    private static CompletionStage<ReplayResult> answered(Reason reason) {
        return CompletableFuture.completedFuture(new ReplayResult.Unrecoverable(reason));
    }

    /** Frees the request's place; drops it from the queue if it timed out there. Any thread. */
    private void release(Request request) {
        synchronized (lock) {
            pending--;
            List<Request> queued = waiting.get(request.partition);
            if (queued != null && queued.remove(request) && queued.isEmpty()) {
                waiting.remove(request.partition);
            }
        }
    }

    /** The requests of the partition that has waited longest, or null once closed. Reader thread. */
    private List<Request> take() throws InterruptedException {
        synchronized (lock) {
            while (!closed && waiting.isEmpty()) {
                lock.wait();
            }
            if (closed) {
                return null;
            }
            Iterator<List<Request>> oldest = waiting.values().iterator();
            List<Request> batch = oldest.next();
            oldest.remove();
            return batch;
        }
    }

    private void runReader() {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new ByteArrayDeserializer());
        opened.add(consumer);
        try {
            for (List<Request> batch = take(); batch != null; batch = take()) {
                read(consumer, batch);
            }
        } catch (InterruptedException | WakeupException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    /** One seek and one scan for every request of one partition. Reader thread. */
    private void read(KafkaConsumer<String, byte[]> reader, List<Request> batch) {
        List<Request> open = new ArrayList<>(batch.size());
        for (Request request : batch) {
            if (!request.answer.isDone()) { // else it timed out while waiting
                open.add(request);
            }
        }
        if (open.isEmpty()) {
            return;
        }
        reads.increment();
        readRequests.add(open.size());
        TopicPartition partition = open.get(0).partition;
        try {
            reader.assign(List.of(partition));
            Duration timeout = limits.deadline();
            long begin = reader.beginningOffsets(List.of(partition), timeout).get(partition);
            long end = reader.endOffsets(List.of(partition), timeout).get(partition);
            open.removeIf(request -> answeredWithoutScan(request, begin, end));
            if (!open.isEmpty()) {
                scan(reader, partition, open, end);
            }
        } catch (WakeupException stopping) {
            open.forEach(request -> request.answer.complete(new ReplayResult.Unrecoverable(Reason.READ_FAILED)));
            throw stopping;
        } catch (RuntimeException e) {
            LOG.warnf("cold replay of %s failed: %s", partition, e.toString());
            open.forEach(request -> request.answer.complete(new ReplayResult.Unrecoverable(Reason.READ_FAILED)));
        } finally {
            reader.unsubscribe();
        }
    }

    /** Answers what needs no records; otherwise sets where the request's scan starts and returns false. */
    private boolean answeredWithoutScan(Request request, long begin, long end) {
        long after = request.after.offset();
        ReplayResult result = null;
        if (after >= end) {
            result = after == end - 1 ? new ReplayResult.Recovered(List.of(), end - 1)
                    : new ReplayResult.Unrecoverable(Reason.BEYOND_STREAM_END);
        } else if (after + 1 < begin) {
            result = new ReplayResult.Unrecoverable(Reason.NOT_RETAINED);
        } else {
            request.from = Math.max(begin, after + 1 - limits.dedupeLookBack());
            if (end - request.from > limits.scanLimit()) {
                result = new ReplayResult.Unrecoverable(Reason.TOO_MANY_EVENTS);
            }
        }
        if (result != null) {
            request.answer.complete(result);
            return true;
        }
        return false;
    }

    /** Reads from the lowest start any request needs to {@code end}, handing each record to its room's requests. */
    private void scan(KafkaConsumer<String, byte[]> reader, TopicPartition partition, List<Request> open, long end) {
        Map<String, List<Request>> byKey = new HashMap<>();
        long from = Long.MAX_VALUE;
        for (Request request : open) {
            byKey.computeIfAbsent(request.key, k -> new ArrayList<>()).add(request);
            from = Math.min(from, request.from);
        }
        reader.seek(partition, from);
        long unanswered = open.size();
        while (unanswered > 0 && reader.position(partition) < end) {
            for (ConsumerRecord<String, byte[]> record : reader.poll(POLL)) {
                if (record.offset() >= end) {
                    break;
                }
                List<Request> forKey = byKey.get(record.key());
                if (forKey == null) {
                    continue;
                }
                Checked checked = null;
                for (Request request : forKey) {
                    if (record.offset() < request.from || request.answer.isDone()) {
                        continue;
                    }
                    if (checked == null) {
                        checked = CloudEventShape.check(request.topic.source(), record.key(), record.headers(),
                                record.value());
                    }
                    keep(request, record, checked);
                }
            }
            // answered meanwhile: too many events, or the deadline passed
            unanswered = open.stream().filter(request -> !request.answer.isDone()).count();
        }
        for (Request request : open) {
            request.answer.complete(new ReplayResult.Recovered(request.events, end - 1));
        }
    }

    /** Adds the record to the request's replay if it belongs there (or answers it: too many events). */
    private static void keep(Request request, ConsumerRecord<String, byte[]> record, Checked checked) {
        if (!checked.isValid() || !request.seenCeIds.add(checked.valid().ceId())
                || record.offset() <= request.after.offset()) {
            return;
        }
        if (request.events.size() == request.maxEvents) {
            request.answer.complete(new ReplayResult.Unrecoverable(Reason.TOO_MANY_EVENTS));
            return;
        }
        request.events.add(checked.valid().toEvent(request.after.stream().at(record.offset())));
    }

    // --- figures (for metrics) ------------------------------------------------------------------------------

    /** Seek-and-scan reads of a partition; each serves every request of that partition that waited for it. */
    long reads() {
        return reads.sum();
    }

    /** Requests served by those reads. */
    long readRequests() {
        return readRequests.sum();
    }

    /** Requests answered at once because {@code maxPending} were waiting or being read. */
    long refusedBusy() {
        return refusedBusy.sum();
    }

    /** Requests answered {@code READ_FAILED} at their deadline. */
    long timedOut() {
        return timedOut.sum();
    }

    /** Requests waiting or being read now. */
    int pending() {
        synchronized (lock) {
            return pending;
        }
    }

    /** Ends the readers; what is still waiting is answered {@code READ_FAILED}. */
    void close() {
        List<Request> abandoned = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            waiting.values().forEach(abandoned::addAll);
            waiting.clear();
            lock.notifyAll();
        }
        abandoned.forEach(request -> request.answer.complete(new ReplayResult.Unrecoverable(Reason.READ_FAILED)));
        opened.forEach(KafkaConsumer::wakeup); // thread-safe: ends a poll in progress; each thread closes its own
        for (Thread thread : threads) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
