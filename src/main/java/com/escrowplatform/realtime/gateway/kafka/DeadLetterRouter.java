package com.escrowplatform.realtime.gateway.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.kafka.CloudEventShape.Checked;
import com.escrowplatform.realtime.kafka.KafkaClients;
import com.escrowplatform.realtime.kafka.TopicsConfig;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Copies every record of the event topics that breaks the contract's shape to {@code <topic>.dlq}: the same
 * key, value and headers, plus {@code dead-letter-reason} (the first broken rule), {@code dead-letter-topic},
 * {@code dead-letter-partition} and {@code dead-letter-offset}.
 *
 * <p>Why a consumer group here, unlike the live consumer: every instance reads every partition live, so if
 * the live consumers copied bad records, the DLQ would get one copy per instance. In the group
 * {@code escrow-realtime-dlq} each partition has one owner, with committed offsets, so each bad record is
 * copied once (at least once across a rebalance or a crash), and none is missed across restarts. Offsets are
 * committed only after the copies of the records before them are acknowledged.
 *
 * <p>Threads: one thread of its own ("dead-letter-router") owns the consumer and the producer and may block.
 * It reads every record a second time, so it stays off the event loops that write to sockets (SmallRye's
 * connector, which did this job before, dispatched each record through a reactive pipeline on an event loop:
 * measured as much event-loop CPU as the socket writes themselves). After a failure it logs once, waits and
 * starts again from the committed offsets.
 *
 * <p>While the broker is away, commits fail: that is expected, and the next commit (a second later) carries the
 * same position or a later one, so nothing is lost but a second of re-checking. One WARN per outage, then DEBUG;
 * every failed commit is counted.
 */
@ApplicationScoped
class DeadLetterRouter {
    private static final Logger LOG = Logger.getLogger(DeadLetterRouter.class);
    static final String GROUP = "escrow-realtime-dlq";
    static final String REASON = "dead-letter-reason";
    static final String ORIGIN_TOPIC = "dead-letter-topic";
    static final String ORIGIN_PARTITION = "dead-letter-partition";
    static final String ORIGIN_OFFSET = "dead-letter-offset";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RESTART_PAUSE = Duration.ofSeconds(2);
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(2);
    private static final long COMMIT_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private final KafkaClients kafka;
    private final Map<String, CloudEventShape.SourceTopic> sourceTopics;
    private final Counter malformed;
    private final Counter failedCommits;
    /** Router thread only. */
    private final WarningBudget malformedWarnings = new WarningBudget(Duration.ofMinutes(1));
    /** Commits failed in a row; touched by the router's thread only (commit callbacks run inside its poll). */
    private int commitsFailing;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public DeadLetterRouter(KafkaClients kafka, TopicsConfig topics, MeterRegistry registry) {
        this.kafka = kafka;
        this.sourceTopics = Map.of(topics.escrowEvents(), CloudEventShape.SourceTopic.ESCROW_EVENTS,
                topics.userNotifications(), CloudEventShape.SourceTopic.USER_NOTIFICATIONS);
        this.malformed = Counter.builder("escrow.gateway.records.malformed")
                .description("Records that broke the CloudEvents shape and went to the dead-letter topic")
                .register(registry);
        this.failedCommits = Counter.builder("escrow.gateway.dead.letter.commits.failed")
                .description("Offset commits of the dead-letter router that failed (the broker away); the next commit retries")
                .register(registry);
    }

    /** After the gateway made sure the topics exist (priority 10). */
    void start(@Observes @Priority(20) StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "dead-letter-router");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }

    private void run() {
        while (running) {
            try {
                routeUntilStoppedOrFailed();
            } catch (WakeupException e) {
                if (running) {
                    LOG.warnf("dead-letter router woken unexpectedly; starting again");
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "dead-letter router stopped (%s): malformed records wait in Kafka; restarting in %s", e,
                        RESTART_PAUSE);
                pause();
            }
        }
    }

    private void routeUntilStoppedOrFailed() {
        KafkaConsumer<String, byte[]> kafkaConsumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(),
                new ByteArrayDeserializer());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.reliableProducer("escrow-realtime-dlq"),
                new StringSerializer(), new ByteArraySerializer())) {
            consumer = kafkaConsumer;
            route(kafkaConsumer, producer);
        } finally {
            if (running) {
                // the full close leaves the group, so that the next consumer joins at once
                kafkaConsumer.close();
            } else {
                // stopping: bounded, as a join still waiting on a crashed member of the group (until its session
                // times out) would otherwise hold the shutdown for the close's default 30 s
                kafkaConsumer.close(CloseOptions.timeout(CLOSE_WITHIN));
            }
        }
    }

    private void route(KafkaConsumer<String, byte[]> kafkaConsumer, KafkaProducer<String, byte[]> producer) {
        kafkaConsumer.subscribe(sourceTopics.keySet(), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                kafkaConsumer.commitSync(); // everything polled was routed: hand over exactly where we are
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                // taken away while out of touch (a long broker outage): another member may own them now, so no
                // commit; whatever was copied since the last one is copied again by the new owner
            }
        });
        long lastCommit = System.nanoTime();
        while (running) {
            List<Future<RecordMetadata>> copies = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : kafkaConsumer.poll(POLL)) {
                Checked checked = CloudEventShape.check(sourceTopics.get(record.topic()), record.key(), record.headers(),
                        record.value());
                if (!checked.isValid()) {
                    malformed.increment();
                    logMalformed(record, checked.problem());
                    copies.add(producer.send(deadLetter(record, checked.problem())));
                }
            }
            awaitAll(copies);
            if (!copies.isEmpty() || System.nanoTime() - lastCommit > COMMIT_EVERY_NANOS) {
                // a crash before the next one re-checks a second of records: copies at least once
                kafkaConsumer.commitAsync((offsets, failure) -> committed(failure));
                lastCommit = System.nanoTime();
            }
        }
        kafkaConsumer.commitSync();
    }

    /**
     * A producer that writes only malformed records would otherwise write a WARN per record: one a minute, the
     * rest at DEBUG (the counter and the dead-letter topic have every one).
     */
    private void logMalformed(ConsumerRecord<String, byte[]> record, String problem) {
        long suppressed = malformedWarnings.spend(System.nanoTime());
        if (suppressed == WarningBudget.DEBUG) {
            LOG.debugf("malformed record %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), problem);
        } else {
            LOG.warnf("malformed record %s-%d@%d: %s%s", record.topic(), record.partition(), record.offset(), problem,
                    suppressed == 0 ? "" : " (and " + suppressed + " more since the last warning, logged at DEBUG)");
        }
    }

    private void committed(Exception failure) {
        if (failure == null) {
            if (commitsFailing > 0) {
                LOG.infof("dead-letter offsets (group %s) committed again after %d failed commits", GROUP, commitsFailing);
                commitsFailing = 0;
            }
            return;
        }
        failedCommits.increment();
        if (commitsFailing++ == 0) {
            LOG.warnf("dead-letter offsets (group %s) not committed: %s; retrying with every commit", GROUP, failure);
        } else {
            LOG.debugf("dead-letter offsets (group %s) not committed again: %s", GROUP, failure);
        }
    }

    /**
     * Batched fetches: nobody waits for a dead-letter copy, so the broker may hold a fetch until a megabyte or
     * half a second has gathered, instead of answering every few records (measured at 1,000 records/s: fetching
     * record by record cost this thread about 0.15 ms of CPU per record, four fifths of it in the Kafka client).
     */
    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = kafka.groupConsumer("escrow-realtime-dlq", GROUP);
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1 << 20);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        return config;
    }

    private static ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(REASON, utf8(reason));
        headers.add(ORIGIN_TOPIC, utf8(record.topic()));
        headers.add(ORIGIN_PARTITION, utf8(String.valueOf(record.partition())));
        headers.add(ORIGIN_OFFSET, utf8(String.valueOf(record.offset())));
        return new ProducerRecord<>(record.topic() + ".dlq", null, record.key(), record.value(), headers);
    }

    /** Blocks this thread (its own) until every copy is acknowledged; a failed copy fails the batch uncommitted. */
    private static void awaitAll(List<Future<RecordMetadata>> copies) {
        for (Future<RecordMetadata> copy : copies) {
            try {
                copy.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a dead-letter copy failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while copying to the dead-letter topic", e);
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RESTART_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
