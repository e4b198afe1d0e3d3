package com.escrowplatform.realtime.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloudEventShape.Checked;

/**
 * The one live Kafka consumer of an instance: every partition of both event topics, assigned by hand (no
 * group, no committed offsets), feeding the {@link Hub}. No client ever gets a consumer of its own.
 *
 * <p>At start it reads back up to one replay window of records per partition and primes the hub with them
 * (delivered to no one), so that clients failing over from another instance resume from memory; from the
 * partitions' end at start on, records are published live.
 *
 * <p>Threads: owns its KafkaConsumer and runs on its own thread ("gateway-live-consumer"), the hub's single
 * publisher. {@link #stop} may be called from any thread.
 */
final class KafkaLiveConsumer {
    private static final Logger LOG = Logger.getLogger(KafkaLiveConsumer.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Topic> topics;
    private final Hub hub;
    private final ReplayWindow window;
    private final int lookBack;
    private final Consumer<GatewayEvent> afterPublish;
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong lag = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    /** A topic this consumer reads, with its identity and which stream of the contract it carries. */
    record Topic(String name, java.util.UUID topicId, int partitions, CloudEventShape.Stream stream) {
    }

    KafkaLiveConsumer(Map<String, Object> config, List<Topic> topics, Hub hub, ReplayWindow window, int lookBack,
            Consumer<GatewayEvent> afterPublish) {
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = new HashMap<>();
        topics.forEach(topic -> this.topics.put(topic.name(), topic));
        this.hub = hub;
        this.window = window;
        this.lookBack = lookBack;
        this.afterPublish = afterPublish;
    }

    void start() {
        thread = new Thread(this::run, "gateway-live-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() throws InterruptedException {
        running = false;
        consumer.wakeup();
        if (thread != null) {
            thread.join(10_000);
        }
    }

    long malformedRecords() {
        return malformed.get();
    }

    /** Records in Kafka not yet consumed, summed over all partitions, as of the last poll. */
    long lag() {
        return lag.get();
    }

    private void run() {
        try {
            Map<TopicPartition, Long> liveFrom = assignAndSeek();
            long lastLagCheck = 0;
            while (running) {
                for (ConsumerRecord<String, byte[]> record : pollQuietly()) {
                    try {
                        handle(record, liveFrom);
                    } catch (RuntimeException e) {
                        // one record must never stop the stream for every socket of this instance
                        malformed.incrementAndGet();
                        LOG.errorf(e, "record %s-%d@%d skipped", record.topic(), record.partition(), record.offset());
                    }
                }
                if (System.nanoTime() - lastLagCheck > 1_000_000_000L) {
                    updateLag(liveFrom);
                    lastLagCheck = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("live consumer woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("live consumer failed to start; events do not reach this instance's sockets", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /**
     * Polls, riding out broker trouble: the client reconnects by itself; an error here is logged and the
     * loop goes on (a lost broker shows as lag and as readiness DOWN, not as a dead thread).
     */
    private Iterable<ConsumerRecord<String, byte[]>> pollQuietly() {
        try {
            return consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.warnf("live consumer poll failed: %s", e.toString());
            return java.util.List.of();
        }
    }

    /** Assigns every partition, seeks one window back from the end, and tells the window where it starts. */
    private Map<TopicPartition, Long> assignAndSeek() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic topic : topics.values()) {
            for (int p = 0; p < topic.partitions(); p++) {
                partitions.add(new TopicPartition(topic.name(), p));
            }
        }
        consumer.assign(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        for (TopicPartition partition : partitions) {
            long start = Math.max(begins.get(partition), ends.get(partition) - lookBack);
            consumer.seek(partition, start);
            window.startAt(stream(partition), start);
        }
        LOG.infof("live consumer reads %d partitions from their end (priming up to %d records each)",
                partitions.size(), lookBack);
        return ends;
    }

    private void handle(ConsumerRecord<String, byte[]> record, Map<TopicPartition, Long> liveFrom) {
        Topic topic = topics.get(record.topic());
        Checked checked = CloudEventShape.check(topic.stream(), record.key(), record.headers(), record.value());
        if (!checked.isValid()) {
            malformed.incrementAndGet(); // never delivered; DeadLetterRouter copies it to the DLQ
            return;
        }
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        GatewayEvent event = checked.valid().toEvent(new StreamPosition(topic.topicId(), record.partition(), record.offset()));
        if (record.offset() < liveFrom.get(partition)) {
            hub.prime(event);
        } else {
            hub.publish(event);
            afterPublish.accept(event);
        }
    }

    private void updateLag(Map<TopicPartition, Long> partitions) {
        long total = 0;
        for (TopicPartition partition : partitions.keySet()) {
            total += consumer.currentLag(partition).orElse(0);
        }
        lag.set(total);
    }

    private StreamPartition stream(TopicPartition partition) {
        return new StreamPartition(topics.get(partition.topic()).topicId(), partition.partition());
    }
}
