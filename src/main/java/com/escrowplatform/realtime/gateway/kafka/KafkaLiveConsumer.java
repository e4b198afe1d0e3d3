package com.escrowplatform.realtime.gateway.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.apache.kafka.common.PartitionInfo;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.Hub;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.kafka.CloudEventShape.Checked;
import com.escrowplatform.realtime.gateway.replay.ReplayWindow;
import com.escrowplatform.realtime.tracing.EventTracing;

import io.opentelemetry.api.trace.Span;

/**
 * The one live Kafka consumer of an instance: every partition of both event topics, assigned by hand (no
 * group, no committed offsets), feeding the {@link Hub}. No client ever gets a consumer of its own.
 *
 * <p>At start it reads back up to one replay window of records per partition and primes the hub with them
 * (delivered to no one), so that clients failing over from another instance resume from memory; from the
 * partitions' end at start on, records are published live.
 *
 * <p>It never dies quietly: whatever escapes its loop is logged once with its cause, counted, and the
 * consumer is rebuilt (after a growing pause) and resumes at the offset after the last record it handled,
 * in every partition, so nothing is lost or delivered twice across the restart. While it is not consuming,
 * {@link #isUp} is false and readiness is DOWN. Partitions added to a topic at run time are found by a
 * periodic metadata check and consumed from their beginning (everything in them is new).
 *
 * <p>Threads: owns its KafkaConsumer and runs on its own thread ("gateway-live-consumer"), the hub's single
 * publisher; {@link #next}, {@link #liveFrom}, {@link #partitionCounts}, {@link #failuresInARow} and
 * {@link #backoff} are touched by that thread only.
 * {@link #stop}, {@link #isUp} and the figures may be called from any thread.
 */
final class KafkaLiveConsumer {
    private static final Logger LOG = Logger.getLogger(KafkaLiveConsumer.class);
    /** A loop that has not turned for this long is stuck (a poll waits 200 ms): readiness DOWN. */
    private static final long STALL_NANOS = Duration.ofSeconds(30).toNanos();

    private final Map<String, Object> config;
    private final Map<String, Topic> topics;
    private final Hub hub;
    private final ReplayWindow window;
    private final int lookBack;
    private final Consumer<GatewayEvent> afterPublish;
    private final KafkaKeyRoomPartitioner partitioner;
    private final LiveConsumerConfig settings;
    private final EventTracing tracing;
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    /** Offset after the last record handled (delivered, primed or skipped), per partition. */
    private final Map<TopicPartition, Long> next = new HashMap<>();
    /** Below this offset a record primes the window; from it on it is published. */
    private final Map<TopicPartition, Long> liveFrom = new HashMap<>();
    private final Map<String, Integer> partitionCounts = new HashMap<>();
    private final Object pause = new Object();
    private int failuresInARow;
    private Duration backoff;
    private volatile boolean running = true;
    private volatile boolean up;
    private volatile long lastTurn = System.nanoTime();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Runnable faultSeam = () -> {
    };
    private Thread thread;

    /** A topic this consumer reads, with its identity and which of the two contract topics it is. */
    record Topic(String name, java.util.UUID topicId, int partitions, CloudEventShape.SourceTopic source) {
    }

    KafkaLiveConsumer(Map<String, Object> config, List<Topic> topics, Hub hub, ReplayWindow window, int lookBack,
            Consumer<GatewayEvent> afterPublish, LiveConsumerConfig settings, KafkaKeyRoomPartitioner partitioner,
            EventTracing tracing) {
        this.config = new HashMap<>(config);
        // the partitions-for check reads cached metadata: refresh it as often as we look
        this.config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) settings.metadataInterval().toMillis());
        this.topics = new HashMap<>();
        topics.forEach(topic -> {
            this.topics.put(topic.name(), topic);
            partitionCounts.put(topic.name(), topic.partitions());
        });
        this.hub = hub;
        this.window = window;
        this.lookBack = lookBack;
        this.afterPublish = afterPublish;
        this.settings = settings;
        this.partitioner = partitioner;
        this.tracing = tracing;
    }

    void start() {
        thread = new Thread(this::run, "gateway-live-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        synchronized (pause) {
            pause.notifyAll();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }

    /** Consuming now: assigned, positioned, and its loop turning. */
    boolean isUp() {
        return up && System.nanoTime() - lastTurn < STALL_NANOS;
    }

    long malformedRecords() {
        return malformed.get();
    }

    /** Times the consumer was rebuilt after a failure. */
    long restarts() {
        return restarts.get();
    }

    /** Records in Kafka not yet consumed, summed over all partitions, as of the last poll. */
    long lag() {
        return lag.get();
    }

    /**
     * Runs before every poll, on the consumer thread; what it throws escapes the loop as any failure would.
     * For tests that must stop the consumer the way a fault does.
     */
    void faultSeam(Runnable seam) {
        this.faultSeam = seam;
    }

    /** Runs one Kafka consumer after another until stopped; a failed one is logged once, counted and replaced. */
    private void run() {
        backoff = settings.restartBackoffMin();
        while (running) {
            KafkaConsumer<String, byte[]> kafkaConsumer = null;
            try {
                kafkaConsumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
                consumer = kafkaConsumer;
                if (running) {
                    consume(kafkaConsumer);
                }
                return;
            } catch (WakeupException e) {
                if (!running) {
                    return;
                }
                failed(e);
            } catch (RuntimeException | Error e) {
                failed(e);
                if (e instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
            } finally {
                up = false;
                closeQuietly(kafkaConsumer);
            }
            pause(backoff);
            backoff = min(backoff.multipliedBy(2), settings.restartBackoffMax());
        }
    }

    /** The cause, with its stack, once per streak of failures; a repeat in the streak is one WARN line. */
    private void failed(Throwable e) {
        up = false;
        restarts.incrementAndGet();
        if (++failuresInARow == 1) {
            LOG.errorf(e, "live consumer stopped (%s): events do not reach this instance's sockets; restarting in %s "
                    + "from the last delivered positions", e, backoff);
        } else {
            LOG.warnf("live consumer failed again, %d times in a row (%s); next attempt in %s", failuresInARow, e,
                    backoff);
        }
    }

    private void consume(KafkaConsumer<String, byte[]> kafkaConsumer) {
        if (liveFrom.isEmpty()) {
            assignAndSeek(kafkaConsumer);
        } else {
            resume(kafkaConsumer);
        }
        long lastLagCheck = 0;
        long lastMetadataCheck = System.nanoTime();
        long lingerNanos = settings.fetchLinger().toNanos();
        while (running) {
            lastTurn = System.nanoTime();
            faultSeam.run();
            ConsumerRecords<String, byte[]> records = pollQuietly(kafkaConsumer);
            for (ConsumerRecord<String, byte[]> record : records) {
                try {
                    handle(record);
                } catch (RuntimeException e) {
                    // one record must never stop the stream for every socket of this instance
                    malformed.incrementAndGet();
                    LOG.errorf(e, "record %s-%d@%d skipped", record.topic(), record.partition(), record.offset());
                }
                next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            }
            up = true;
            if (!records.isEmpty() && lingerNanos > 0) {
                // A busy stream is then fetched in batches, not record by record: each fetch cost this thread and
                // the broker more than handing its records to the hub. The fetch in flight meanwhile is answered
                // as soon as a record arrives (fetch.min.bytes 1), so a record waits at most the linger, and an
                // idle stream costs no more than before (the broker holds an empty fetch for fetch.max.wait.ms).
                LockSupport.parkNanos(lingerNanos);
            }
            if (failuresInARow > 0) {
                LOG.infof("live consumer recovered after %d failed attempt(s); %d restart(s) so far", failuresInARow,
                        restarts.get());
                failuresInARow = 0;
                backoff = settings.restartBackoffMin();
            }
            if (System.nanoTime() - lastLagCheck > 1_000_000_000L) {
                updateLag(kafkaConsumer);
                lastLagCheck = System.nanoTime();
            }
            if (System.nanoTime() - lastMetadataCheck > settings.metadataInterval().toNanos()) {
                addNewPartitions(kafkaConsumer);
                lastMetadataCheck = System.nanoTime();
            }
        }
    }

    /**
     * Polls, riding out broker trouble: the client reconnects by itself; an error here is logged and the
     * loop goes on (a lost broker shows as lag and as readiness DOWN, not as a dead thread).
     */
    private ConsumerRecords<String, byte[]> pollQuietly(KafkaConsumer<String, byte[]> kafkaConsumer) {
        try {
            return kafkaConsumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.warnf("live consumer poll failed: %s", e.toString());
            return ConsumerRecords.empty();
        }
    }

    /** First kafkaConsumer: assigns every partition, seeks one window back from the end, tells the window where it starts. */
    private void assignAndSeek(KafkaConsumer<String, byte[]> kafkaConsumer) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic topic : topics.values()) {
            for (int p = 0; p < partitionCounts.get(topic.name()); p++) {
                partitions.add(new TopicPartition(topic.name(), p));
            }
        }
        kafkaConsumer.assign(partitions);
        Map<TopicPartition, Long> ends = kafkaConsumer.endOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Long> begins = kafkaConsumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        for (TopicPartition partition : partitions) {
            long start = Math.max(begins.get(partition), ends.get(partition) - lookBack);
            kafkaConsumer.seek(partition, start);
            window.startAt(stream(partition), start);
            next.put(partition, start);
        }
        liveFrom.putAll(ends);
        LOG.infof("live consumer reads %d partitions from their end (priming up to %d records each)",
                partitions.size(), lookBack);
    }

    /** A later kafkaConsumer: the same partitions, each from the offset after the last record handled. */
    private void resume(KafkaConsumer<String, byte[]> kafkaConsumer) {
        List<TopicPartition> partitions = new ArrayList<>(next.keySet());
        kafkaConsumer.assign(partitions);
        Map<TopicPartition, Long> begins = kafkaConsumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        for (TopicPartition partition : partitions) {
            long from = next.get(partition);
            if (from < begins.get(partition)) {
                LOG.warnf("%s: records %d..%d were deleted by retention while the live consumer was down",
                        partition, from, begins.get(partition) - 1);
                from = begins.get(partition);
            }
            kafkaConsumer.seek(partition, from);
        }
        LOG.infof("live consumer resumes %d partitions where it stopped", partitions.size());
    }

    /** Partitions added at run time: assigned and read from their beginning, published live. */
    private void addNewPartitions(KafkaConsumer<String, byte[]> kafkaConsumer) {
        List<TopicPartition> added = new ArrayList<>();
        for (Topic topic : topics.values()) {
            List<PartitionInfo> infos;
            try {
                infos = kafkaConsumer.partitionsFor(topic.name(), Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                continue; // the next check tries again
            }
            int known = partitionCounts.get(topic.name());
            if (infos != null && infos.size() > known) {
                for (int p = known; p < infos.size(); p++) {
                    added.add(new TopicPartition(topic.name(), p));
                }
                LOG.infof("topic %s grew from %d to %d partitions; consuming the new ones from their beginning",
                        topic.name(), known, infos.size());
                partitionCounts.put(topic.name(), infos.size());
                partitioner.grow(topic.topicId(), infos.size()); // rooms keyed onto the new partitions move there
            }
        }
        if (added.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> begins = kafkaConsumer.beginningOffsets(added, Duration.ofSeconds(30));
        for (TopicPartition partition : added) {
            long begin = begins.get(partition);
            window.startAt(stream(partition), begin);
            liveFrom.put(partition, begin);
            next.put(partition, begin);
        }
        // the positions of the partitions already assigned are kept by reseeking them to where we are
        resume(kafkaConsumer);
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        Topic topic = topics.get(record.topic());
        Checked checked = CloudEventShape.check(topic.source(), record.key(), record.headers(), record.value());
        if (!checked.isValid()) {
            malformed.incrementAndGet(); // never delivered; DeadLetterRouter copies it to the DLQ
            return;
        }
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        StreamPosition position = new StreamPosition(topic.topicId(), record.partition(), record.offset());
        CloudEventShape.Valid valid = checked.valid();
        if (record.offset() < liveFrom.get(partition)) {
            hub.prime(valid.toEvent(position));
            return;
        }
        Span processing = tracing.startProcess(record.headers(), record.topic(), valid.ceId(), valid.room());
        GatewayEvent event = valid.toEvent(position, tracing.deliveriesOf(processing, valid.room()));
        try {
            hub.publish(event);
        } finally {
            if (processing != null) {
                processing.end(); // handed to every socket here; each delivery's span ends with its write
            }
        }
        afterPublish.accept(event);
    }

    private void updateLag(KafkaConsumer<String, byte[]> kafkaConsumer) {
        long total = 0;
        for (TopicPartition partition : liveFrom.keySet()) {
            total += kafkaConsumer.currentLag(partition).orElse(0);
        }
        lag.set(total);
    }

    private void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        synchronized (pause) {
            long left;
            while (running && (left = until - System.nanoTime()) > 0) {
                try {
                    pause.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void closeQuietly(KafkaConsumer<String, byte[]> kafkaConsumer) {
        if (kafkaConsumer != null) {
            try {
                kafkaConsumer.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debugf("closing the live consumer: %s", e.toString());
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private StreamPartition stream(TopicPartition partition) {
        return new StreamPartition(topics.get(partition.topic()).topicId(), partition.partition());
    }
}
