package com.escrowplatform.realtime.outbox;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import com.escrowplatform.realtime.kafka.KafkaClients;
import com.escrowplatform.realtime.kafka.KafkaTopics;
import com.escrowplatform.realtime.kafka.TopicsConfig;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Publishes the outbox to Kafka.
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li><b>One active relay</b> across all instances: the leader holds a session-level PostgreSQL advisory
 * lock on its own connection; when it dies, its connection closes and a standby takes over.</li>
 * <li><b>Order</b>: rows are sent in {@code seq} order through one idempotent producer ({@code acks=all}).
 * One escrow's rows get increasing {@code seq} in version order because every change locks the escrow row
 * before writing its event row; its records share a partition (key = escrow id), so Kafka keeps that order.</li>
 * <li><b>At least once</b>: a row is marked published only after Kafka acknowledged it. A crash between the
 * two resends it with the same {@code ce_id}, which consumers use to drop the repeat.</li>
 * <li><b>Outages</b>: while Kafka is away, sends fail within the producer's delivery timeout, nothing is
 * marked, and the relay retries with backoff from the first unpublished row; rows wait in the table and
 * drain in order once Kafka is back. After a failed round the producer is replaced, so no batch that the
 * old one still retries can land behind a newer one.</li>
 * <li><b>Latency</b>: a statement trigger NOTIFYs at commit; the relay LISTENs and wakes within
 * milliseconds, and looks anyway every {@code poll-interval} in case a notification was lost.</li>
 * </ul>
 *
 * <p>Threads: everything here runs on the relay's own thread ("outbox-relay"), never on an event loop;
 * the fields read by metrics are atomics. The backlog gauge is {@link OutboxBacklog}, on a timer of its own.
 */
@ApplicationScoped
public class PgOutboxRelay {
    private static final Logger LOG = Logger.getLogger(PgOutboxRelay.class);
    /** The advisory lock key of relay leadership ("escrowOB" in ASCII). */
    static final long LEADER_LOCK = 0x657363726f774f42L;

    private final AgroalDataSource dataSource;
    private final KafkaClients kafka;
    private final KafkaTopics kafkaTopics;
    private final TopicsConfig topics;
    private final OutboxConfig config;
    private final Timer commitToAck;
    private final AtomicLong published = new AtomicLong();

    private volatile boolean running;
    private volatile boolean leading;
    private Thread thread;
    private KafkaProducer<String, byte[]> producer;

    public PgOutboxRelay(AgroalDataSource dataSource, KafkaClients kafka, KafkaTopics kafkaTopics, TopicsConfig topics,
            OutboxConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.kafka = kafka;
        this.kafkaTopics = kafkaTopics;
        this.topics = topics;
        this.config = config;
        this.commitToAck = Timer.builder("escrow.outbox.publish.latency")
                .description("From an event row's creation to Kafka's acknowledgement")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        registry.gauge("escrow.outbox.published", published);
        registry.gauge("escrow.outbox.leader", this, relay -> relay.leading ? 1 : 0);
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (thread != null) {
            // the loop notices within one poll interval; a send in flight finishes or times out first
            thread.join(config.pollInterval().toMillis() + 20_000);
        }
    }

    private void run() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                if (!lead(connection)) {
                    continue;
                }
                kafkaTopics.ensure();
                listen(connection);
                PGConnection notifications = connection.unwrap(PGConnection.class);
                while (running) {
                    int sent = publishBatch(connection);
                    backoff = Duration.ofMillis(100);
                    if (sent < config.batchSize()) {
                        // returns at the first NOTIFY (commit of new rows) or after the poll interval
                        notifications.getNotifications((int) config.pollInterval().toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warnf("outbox relay: %s; retrying in %d ms", e.toString(), backoff.toMillis());
                closeProducer();
                pause(backoff);
                backoff = min(backoff.multipliedBy(2), config.maxBackoff());
            } finally {
                leading = false;
            }
        }
        closeProducer();
    }

    /** Tries for leadership until it is won or the relay stops; a standby tries every poll interval. */
    private boolean lead(Connection connection) throws SQLException {
        while (running) {
            try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
                lock.setLong(1, LEADER_LOCK);
                try (ResultSet result = lock.executeQuery()) {
                    result.next();
                    if (result.getBoolean(1)) {
                        leading = true;
                        LOG.info("outbox relay is the leader");
                        return true;
                    }
                }
            }
            pause(config.pollInterval());
        }
        return false;
    }

    private static void listen(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN outbox_event");
        }
    }

    /** Sends the oldest unpublished rows in seq order and marks those Kafka acknowledged. */
    int publishBatch(Connection connection) throws SQLException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "select seq, id, aggregatetype, aggregateid, type, payload::text, created_at from outbox_event"
                        + " where published_at is null order by seq limit ?")) {
            select.setInt(1, config.batchSize());
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(new Row(result.getLong(1), result.getString(2), result.getString(3), result.getString(4),
                            result.getString(5), result.getString(6), result.getTimestamp(7).toInstant()));
                }
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        KafkaProducer<String, byte[]> out = producer();
        List<Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
        for (Row row : rows) {
            acks.add(out.send(CloudEventRecords.record(topicOf(row.aggregateType), row.id, row.type,
                    config.ceSource(), row.aggregateId, row.createdAt, row.payload)));
        }
        List<Long> acknowledged = new ArrayList<>(rows.size());
        ExecutionException failure = null;
        for (int i = 0; i < rows.size(); i++) {
            try {
                acks.get(i).get();
                acknowledged.add(rows.get(i).seq);
                commitToAck.record(Duration.between(rows.get(i).createdAt, Instant.now()));
            } catch (ExecutionException e) {
                failure = e;
                break;
            }
        }
        markPublished(connection, acknowledged);
        if (failure != null) {
            throw new IllegalStateException("Kafka did not acknowledge " + (rows.size() - acknowledged.size())
                    + " records", failure.getCause());
        }
        return rows.size();
    }

    private void markPublished(Connection connection, List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "update outbox_event set published_at = now() where seq = any(?)")) {
            Array array = connection.createArrayOf("bigint", seqs.toArray());
            update.setArray(1, array);
            update.executeUpdate();
        }
        published.addAndGet(seqs.size());
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(kafka.reliableProducer("escrow-realtime-outbox"), new StringSerializer(),
                    new ByteArraySerializer());
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The topic of an outbox row: escrow events, or notifications (CONTRACT 4). */
    private String topicOf(String aggregateType) {
        return OutboxEvent.ESCROW.equals(aggregateType) ? topics.escrowEvents() : topics.userNotifications();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private record Row(long seq, String id, String aggregateType, String aggregateId, String type, String payload,
            Instant createdAt) {
    }
}
