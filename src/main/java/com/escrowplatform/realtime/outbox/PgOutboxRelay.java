package com.escrowplatform.realtime.outbox;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import com.escrowplatform.realtime.kafka.KafkaClients;
import com.escrowplatform.realtime.kafka.KafkaTopics;
import com.escrowplatform.realtime.kafka.TopicsConfig;
import com.escrowplatform.realtime.tracing.EventTracing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Publishes the outbox to Kafka.
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li><b>One active relay</b> across all instances: the leader holds a session-level PostgreSQL advisory
 * lock on a connection of its own, outside the pool, which it closes whenever it stops leading: the lock lives
 * exactly as long as the leadership. When the instance dies, its session ends and a standby takes over. (A
 * pooled connection would outlive a relay that gave up, holding the lock idle in the pool.)</li>
 * <li><b>At least once</b>: a row is marked published only after Kafka acknowledged it and every row before
 * it in the round. A crash between the two resends it with the same {@code ce_id}, which consumers use to
 * drop the repeat.</li>
 * <li><b>Order</b>, the contract this class keeps: <em>for every key, the first occurrences of its records in
 * its partition follow {@code seq} order</em>; repeats (same {@code ce_id}) may follow them. It rests on five
 * facts:
 * <ol>
 * <li>One escrow's rows get increasing {@code seq} in version order, because every change locks the escrow
 * row before writing its event row; one key's records share a partition.</li>
 * <li>A round offers its rows to the producer in {@code seq} order and offers nothing more after the first
 * failure it sees: a {@code send()} that fails by itself (no metadata within {@code max.block.ms}, say) or
 * any earlier record the producer has given up on. So what the producer accepted is a prefix of the round.</li>
 * <li>The producer never gives up on an accepted record by timing out ({@code delivery.timeout.ms} at its
 * maximum): while the broker is away it keeps retrying, and the round waits. It fails an accepted record only
 * for a reason of the record's own, or when it is closed.</li>
 * <li>The producer is idempotent: the broker appends one producer's batches of a partition only in sequence,
 * so what it holds is a prefix of what the producer accepted, once, however often a request was retried.</li>
 * <li>The round waits for every accepted record to settle before it marks anything, marks only the prefix
 * that Kafka acknowledged, and only then may a failed round's producer be closed: no record of an old round
 * is left in flight when the next round starts again from the first unmarked row.</li>
 * </ol>
 * A broker that comes back in the middle of a round (the case that would otherwise reorder: early sends
 * failed, later ones accepted) meets fact 2: the round stopped at its first failed send.</li>
 * <li><b>Outages</b>: while Kafka is away, a round waits on what it handed over (fact 3) and sends the rest
 * once the broker is back, with the producer's metadata and connections still warm; a round that finds no
 * metadata fails after {@code max.block.ms} and is retried with backoff from the first unpublished row.</li>
 * <li><b>Latency</b>: a statement trigger NOTIFYs at commit; the relay LISTENs and wakes within
 * milliseconds, and looks anyway every {@code poll-interval} in case a notification was lost.</li>
 * </ul>
 *
 * <p>Threads: everything here runs on the relay's own thread ("outbox-relay"), never on an event loop, but the
 * producer's callbacks, which only record the first failure; the fields read by metrics are atomics. The
 * backlog gauge is {@link OutboxBacklog}, on a timer of its own.
 */
@ApplicationScoped
public class PgOutboxRelay {
    private static final Logger LOG = Logger.getLogger(PgOutboxRelay.class);
    /** The advisory lock key of relay leadership ("escrowOB" in ASCII). */
    static final long LEADER_LOCK = 0x657363726f774f42L;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    /** The {@code application_name} of the relay's session in {@code pg_stat_activity}. */
    static final String APPLICATION_NAME = "escrow-outbox-relay";

    private final String jdbcUrl;
    private final Properties credentials = new Properties();
    private final KafkaClients kafka;
    private final KafkaTopics kafkaTopics;
    private final TopicsConfig topics;
    private final OutboxConfig config;
    private final EventTracing tracing;
    private final Timer commitToAck;
    private final AtomicLong published = new AtomicLong();
    /** Rounds that ended on a send() with no metadata within max.block.ms: nothing was in flight. */
    private final Counter roundsFailedNoMetadata;
    /** Rounds in which the producer failed a record it had accepted (never by timing out, see fact 3). */
    private final Counter roundsFailedRecord;

    private volatile boolean running;
    private volatile boolean leading;
    private Thread thread;
    private KafkaProducer<String, byte[]> producer;
    private volatile UnaryOperator<RecordSender> sendFaults = UnaryOperator.identity();

    public PgOutboxRelay(@ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password, KafkaClients kafka,
            KafkaTopics kafkaTopics, TopicsConfig topics, OutboxConfig config, MeterRegistry registry,
            EventTracing tracing) {
        this.jdbcUrl = jdbcUrl;
        username.ifPresent(user -> credentials.setProperty("user", user));
        password.ifPresent(secret -> credentials.setProperty("password", secret));
        credentials.setProperty("ApplicationName", APPLICATION_NAME); // how operators spot it
        // a link that dies silently (no reset) ends the server's session, and the lock, within about 25 s
        credentials.setProperty("options", "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5"
                + " -c tcp_keepalives_count=3");
        // and the relay does not wait forever on a statement over such a link
        credentials.setProperty("socketTimeout", "60");
        this.kafka = kafka;
        this.kafkaTopics = kafkaTopics;
        this.topics = topics;
        this.config = config;
        this.tracing = tracing;
        this.commitToAck = Timer.builder("escrow.outbox.publish.latency")
                .description("From an event row's creation to Kafka's acknowledgement")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.roundsFailedNoMetadata = failedRounds(registry, "no_metadata");
        this.roundsFailedRecord = failedRounds(registry, "record_failed");
        // a running total, so a counter: rate() over it is the relay's throughput
        FunctionCounter.builder("escrow.outbox.published", published, AtomicLong::get)
                .description("Event rows this instance published to Kafka and marked published").register(registry);
        Gauge.builder("escrow.outbox.leader", this, relay -> relay.leading ? 1 : 0)
                .description("1 while this instance holds the relay's advisory lock and publishes, else 0")
                .register(registry);
    }

    private static Counter failedRounds(MeterRegistry registry, String cause) {
        return Counter.builder("escrow.outbox.rounds.failed")
                .description("Relay rounds that Kafka did not take whole (their rest is sent again), by cause:"
                        + " no_metadata (a send found no broker within max.block.ms), record_failed (the producer"
                        + " failed an accepted record)")
                .tag("cause", cause)
                .register(registry);
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
            // the loop notices within one poll interval; a round still waiting on Kafka closes its producer first
            thread.join(config.pollInterval().toMillis() + 20_000);
        }
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (running) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, credentials)) {
                connection.setAutoCommit(true);
                if (!lead(connection)) {
                    continue;
                }
                backoff = FIRST_BACKOFF;
                kafkaTopics.ensure();
                listen(connection);
                relayWhileLeading(connection);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // the database connection (and leadership with it) is lost, or the topics could not be checked
                LOG.warnf("outbox relay: %s; retrying in %d ms", e, backoff.toMillis());
                closeProducer();
                pause(backoff);
                backoff = min(backoff.multipliedBy(2), config.maxBackoff());
            } finally {
                leading = false;
            }
        }
        closeProducer();
    }

    /**
     * Publishes round after round while this instance leads. A round that Kafka fails does not give up leadership:
     * the relay tries again from the first unpublished row. When the round ended on a send that waited
     * {@code max.block.ms} for metadata (while no broker answers, the producer re-bootstraps and forgets the
     * topics), that wait was the backoff, and the producer keeps trying to reach the broker; otherwise the producer
     * gave up on an accepted record, so it is replaced (nothing of it is in flight any more) and the relay backs
     * off. The first failure of an outage is a WARN, the rest DEBUG.
     */
    private void relayWhileLeading(Connection connection) throws SQLException, InterruptedException {
        PGConnection notifications = connection.unwrap(PGConnection.class);
        Duration backoff = FIRST_BACKOFF;
        int failedRounds = 0;
        while (running) {
            int sent;
            try {
                sent = publishBatch(connection);
            } catch (RoundFailed e) {
                (e.waitedForMetadata() ? roundsFailedNoMetadata : roundsFailedRecord).increment();
                failedRounds++;
                if (failedRounds == 1) {
                    LOG.warnf("outbox relay: %s; retrying until Kafka takes the rows", e.getMessage());
                } else {
                    LOG.debugf("outbox relay: %s (failed round %d)", e.getMessage(), failedRounds);
                }
                if (e.waitedForMetadata()) {
                    pause(FIRST_BACKOFF); // the wait was the backoff; this only guards against a send that fails at once
                } else {
                    closeProducer();
                    pause(backoff);
                    backoff = min(backoff.multipliedBy(2), config.maxBackoff());
                }
                continue;
            }
            if (failedRounds > 0) {
                LOG.infof("outbox relay publishes again after %d failed rounds", failedRounds);
                failedRounds = 0;
                backoff = FIRST_BACKOFF;
            }
            if (sent < config.batchSize()) {
                // returns at the first NOTIFY (commit of new rows) or after the poll interval
                notifications.getNotifications((int) config.pollInterval().toMillis());
            }
        }
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

    /**
     * One round: offers the oldest unpublished rows to the producer in seq order until the first failure,
     * waits for everything it accepted to settle, and marks the prefix Kafka acknowledged (see the class's
     * ordering contract). Throws when the round did not publish every row it read.
     */
    int publishBatch(Connection connection) throws SQLException, InterruptedException, RoundFailed {
        long began = System.nanoTime();
        List<Row> rows = unpublished(connection);
        if (rows.isEmpty()) {
            return 0;
        }
        long read = System.nanoTime();
        RecordSender out = sendFaults.apply(producer()::send);
        FirstFailure failure = new FirstFailure();
        List<Future<RecordMetadata>> accepted = new ArrayList<>(rows.size());
        for (Row row : rows) {
            if (failure.seen()) {
                break;
            }
            String topic = topicOf(row.aggregateType);
            Span sending = tracing.startSend(row.traceparent, topic, row.id);
            // traced here, the record continues the send's span; else it passes on the row's trace, if it has one
            String traceparent = sending == null ? row.traceparent : EventTracing.traceparent(sending);
            try {
                accepted.add(out.send(CloudEventRecords.record(topic, row.id, row.type, config.ceSource(),
                        row.aggregateId, row.createdAt, row.payload, traceparent),
                        sending == null ? failure : endingSpan(sending, failure)));
            } catch (KafkaException e) {
                if (sending != null) {
                    sending.recordException(e).setStatus(StatusCode.ERROR).end();
                }
                failure.onCompletion(null, e);
            }
        }
        long sent = System.nanoTime();
        List<Long> acknowledged = new ArrayList<>(accepted.size());
        for (int i = 0; i < accepted.size(); i++) {
            // every accepted record settles before anything is marked or the producer is replaced
            boolean ok = settle(accepted.get(i));
            if (ok && acknowledged.size() == i) {
                acknowledged.add(rows.get(i).seq);
                commitToAck.record(Duration.between(rows.get(i).createdAt, Instant.now()));
            }
        }
        long settled = System.nanoTime();
        markPublished(connection, acknowledged);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("outbox round: %d rows, %d acknowledged; read %d ms, send %d ms, acks %d ms, mark %d ms",
                    rows.size(), acknowledged.size(), millis(read - began), millis(sent - read), millis(settled - sent),
                    millis(System.nanoTime() - settled));
        }
        if (acknowledged.size() < rows.size()) {
            throw new RoundFailed(acknowledged.size(), rows.size(), failure.first());
        }
        return rows.size();
    }

    private List<Row> unpublished(Connection connection) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "select seq, id, aggregatetype, aggregateid, type, payload::text, created_at, traceparent"
                        + " from outbox_event where published_at is null order by seq limit ?")) {
            select.setInt(1, config.batchSize());
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(new Row(result.getLong(1), result.getString(2), result.getString(3), result.getString(4),
                            result.getString(5), result.getString(6), result.getTimestamp(7).toInstant(),
                            result.getString(8)));
                }
            }
        }
        return rows;
    }

    /**
     * Waits until the record is acknowledged (true) or failed (false). The producer retries for as long as the
     * broker is away, so this may take the outage's length; on shutdown the producer is closed, which fails
     * what it still holds.
     */
    private boolean settle(Future<RecordMetadata> ack) throws InterruptedException {
        while (true) {
            try {
                ack.get(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException e) {
                return false;
            } catch (TimeoutException e) {
                if (!running) {
                    closeProducer();
                }
            }
        }
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
            Map<String, Object> settings = kafka.reliableProducer("escrow-realtime-outbox");
            // never give up on an accepted record by timing out (fact 3 of the ordering contract): a round waits
            // out a broker outage instead of failing half-sent
            settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
            producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** A test seam: wraps the producer's send in each following round, to fail chosen sends. */
    void injectSendFaults(UnaryOperator<RecordSender> faults) {
        sendFaults = faults;
    }

    /** The one producer call a round makes. */
    @FunctionalInterface
    interface RecordSender {
        Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback);
    }

    /** A round that Kafka did not take whole: the prefix it acknowledged is marked, the rest is sent again. */
    static final class RoundFailed extends Exception {
        RoundFailed(int acknowledged, int rows, Exception cause) {
            super("Kafka acknowledged " + acknowledged + " of " + rows + " records: " + cause, cause);
        }

        /** The round ended on a send() that found no metadata within max.block.ms: the producer is fine. */
        boolean waitedForMetadata() {
            return getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
        }
    }

    /** The first failure the producer reported in a round, from its I/O thread or from send() itself. */
    private static final class FirstFailure implements Callback {
        private final AtomicReference<Exception> first = new AtomicReference<>();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                first.compareAndSet(null, exception);
            }
        }

        boolean seen() {
            return first.get() != null;
        }

        Exception first() {
            return first.get();
        }
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

    /** Kafka's answer ends the send's span, then goes where it went untraced. */
    private static Callback endingSpan(Span sending, Callback then) {
        return (metadata, exception) -> {
            if (exception != null) {
                sending.recordException(exception).setStatus(StatusCode.ERROR);
            }
            sending.end();
            then.onCompletion(metadata, exception);
        };
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private record Row(long seq, String id, String aggregateType, String aggregateId, String type, String payload,
            Instant createdAt, String traceparent) {
    }
}
