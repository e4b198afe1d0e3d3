package com.escrowplatform.realtime.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloudEventShape.Checked;
import com.escrowplatform.realtime.gateway.ReplayResult.Reason;

/**
 * The cold path of replay: what the in-memory window no longer holds is read from Kafka by offset, through a
 * small fixed pool of readers shared by every client of the instance (never a consumer per client). A
 * reconnect storm queues here instead of opening thousands of consumers.
 *
 * <p>Each reader thread owns one group-less KafkaConsumer (thread confinement: KafkaConsumer is not
 * thread-safe). A replay reads the room's partition from {@code after + 1} to the log end it found when it
 * began, keeping the room's well-formed records; it also reads a short look-back before {@code after} to know
 * ce_ids already delivered, so a record the relay sent twice is not replayed.
 */
final class KafkaReplayReader implements ColdReplay {
    private static final Logger LOG = Logger.getLogger(KafkaReplayReader.class);
    private static final Duration READ_DEADLINE = Duration.ofSeconds(20);

    private final Map<UUID, KafkaLiveConsumer.Topic> topicsById;
    private final RoomPartitioner partitioner;
    private final Map<String, Object> consumerConfig;
    private final int scanLimit;
    private final int dedupeLookBack;
    private final ExecutorService readers;
    private final ThreadLocal<KafkaConsumer<String, byte[]>> consumer;
    private final List<KafkaConsumer<String, byte[]>> opened = new CopyOnWriteArrayList<>();

    KafkaReplayReader(Map<UUID, KafkaLiveConsumer.Topic> topicsById, RoomPartitioner partitioner,
            Map<String, Object> consumerConfig, int readerCount, int scanLimit, int dedupeLookBack) {
        this.topicsById = topicsById;
        this.partitioner = partitioner;
        this.consumerConfig = consumerConfig;
        this.scanLimit = scanLimit;
        this.dedupeLookBack = dedupeLookBack;
        AtomicInteger ids = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(readerCount, task -> {
            Thread thread = new Thread(task, "gateway-replay-reader-" + ids.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.consumer = ThreadLocal.withInitial(() -> {
            KafkaConsumer<String, byte[]> created = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                    new ByteArrayDeserializer());
            opened.add(created);
            return created;
        });
    }

    @Override
    public CompletionStage<ReplayResult> replay(String room, StreamPosition after, int maxEvents) {
        try {
            return CompletableFuture.supplyAsync(() -> read(room, after, maxEvents), readers);
        } catch (RejectedExecutionException shuttingDown) {
            return CompletableFuture.completedFuture(new ReplayResult.Unrecoverable(Reason.READ_FAILED));
        }
    }

    private ReplayResult read(String room, StreamPosition after, int maxEvents) {
        StreamPartition current = partitioner.partitionOf(room);
        if (!current.topicId().equals(after.topicId())) {
            return new ReplayResult.Unrecoverable(Reason.TOPIC_RECREATED);
        }
        if (current.partition() != after.partition()) {
            return new ReplayResult.Unrecoverable(Reason.PARTITION_CHANGED);
        }
        KafkaLiveConsumer.Topic topic = topicsById.get(after.topicId());
        String key = room.substring(room.indexOf(':') + 1);
        TopicPartition partition = new TopicPartition(topic.name(), after.partition());
        KafkaConsumer<String, byte[]> reader = consumer.get();
        try {
            reader.assign(List.of(partition));
            long begin = reader.beginningOffsets(List.of(partition)).get(partition);
            long end = reader.endOffsets(List.of(partition)).get(partition);
            if (after.offset() >= end) {
                return after.offset() == end - 1 ? new ReplayResult.Recovered(List.of(), end - 1)
                        : new ReplayResult.Unrecoverable(Reason.BEYOND_STREAM_END);
            }
            if (after.offset() + 1 < begin) {
                return new ReplayResult.Unrecoverable(Reason.NOT_RETAINED);
            }
            reader.seek(partition, Math.max(begin, after.offset() + 1 - dedupeLookBack));
            Set<String> seenCeIds = new HashSet<>();
            List<GatewayEvent> events = new ArrayList<>();
            long scanned = 0;
            long deadline = System.nanoTime() + READ_DEADLINE.toNanos();
            while (reader.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    return new ReplayResult.Unrecoverable(Reason.READ_FAILED);
                }
                for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= end) {
                        break;
                    }
                    if (++scanned > scanLimit) {
                        return new ReplayResult.Unrecoverable(Reason.TOO_MANY_EVENTS);
                    }
                    if (!key.equals(record.key())) {
                        continue;
                    }
                    Checked checked = CloudEventShape.check(topic.stream(), record.key(), record.headers(), record.value());
                    if (!checked.isValid() || !seenCeIds.add(checked.valid().ceId()) || record.offset() <= after.offset()) {
                        continue;
                    }
                    if (events.size() == maxEvents) {
                        return new ReplayResult.Unrecoverable(Reason.TOO_MANY_EVENTS);
                    }
                    events.add(checked.valid().toEvent(after.stream().at(record.offset())));
                }
            }
            return new ReplayResult.Recovered(events, end - 1);
        } catch (RuntimeException e) {
            LOG.warnf("cold replay of %s after %s failed: %s", room, after, e.toString());
            return new ReplayResult.Unrecoverable(Reason.READ_FAILED);
        } finally {
            reader.unsubscribe();
        }
    }

    void close() {
        readers.shutdownNow();
        opened.forEach(c -> {
            try {
                c.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // its thread may still hold it; the process is stopping anyway
            }
        });
    }
}
