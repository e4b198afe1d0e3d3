package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * How fast the outbox relay drains a backlog once a crashed broker is back: the broker is killed (SIGKILL),
 * {@code bench.rows} escrow events over 100 escrows are committed to the outbox while it is dead (as a burst of
 * REST writes would leave them), the broker is started again, and the bench prints the time from the broker
 * accepting connections to the first row published and to the last, the rows per second, and the relay's rounds
 * (one {@code published_at} per round).
 *
 * <pre>./mvnw verify -Dtest=OutboxDrainBench -Dbench.rows=10000 -DskipITs</pre>
 *
 * The default size (500 rows) is a smoke run that keeps this tool from rotting.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OutboxDrainBench {
    private static final int ROWS = Integer.getInteger("bench.rows", 500);
    private static final int ESCROWS = 100;

    @Test
    void measureBacklogDrainAfterABrokerCrash() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> unpublished() == 0);
        TestInfrastructure.kafka().kill();
        long firstSeq;
        try {
            firstSeq = insertBacklog();
        } finally {
            TestInfrastructure.kafka().start();
        }
        Instant brokerBack = Instant.now();
        Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(20)).until(() -> unpublished() == 0);
        Instant drained = Instant.now();

        List<Instant> rounds = new ArrayList<>();
        try (Connection db = TestInfrastructure.database().connect(); PreparedStatement sql = db.prepareStatement(
                "select published_at from outbox_event where seq >= ? group by published_at order by published_at")) {
            sql.setLong(1, firstSeq);
            try (ResultSet result = sql.executeQuery()) {
                while (result.next()) {
                    rounds.add(result.getTimestamp(1).toInstant());
                }
            }
        }
        assertThat(rounds).isNotEmpty();
        double drainSeconds = Duration.between(brokerBack, drained).toMillis() / 1000.0;
        System.out.printf("%nBENCH outbox drain after a broker crash: %d rows in %d rounds; broker up -> first round %d ms,"
                + " -> last round %d ms, -> backlog 0 seen %.2f s (%.0f rows/s)%n%n", ROWS, rounds.size(),
                Duration.between(brokerBack, rounds.get(0)).toMillis(),
                Duration.between(brokerBack, rounds.get(rounds.size() - 1)).toMillis(), drainSeconds, ROWS / drainSeconds);
    }

    /** Commits ROWS escrow events over ESCROWS escrows in version order, in one transaction; returns the first seq. */
    private static long insertBacklog() throws Exception {
        try (Connection db = TestInfrastructure.database().connect()) {
            db.setAutoCommit(false);
            long firstSeq;
            try (Statement sql = db.createStatement(); ResultSet next = sql.executeQuery(
                    "select coalesce(max(seq), 0) + 1 from outbox_event")) {
                next.next();
                firstSeq = next.getLong(1);
            }
            String[] escrows = new String[ESCROWS];
            for (int i = 0; i < ESCROWS; i++) {
                escrows[i] = UUID.randomUUID().toString();
            }
            try (PreparedStatement insert = db.prepareStatement("insert into outbox_event"
                    + " (id, aggregatetype, aggregateid, type, payload, version, created_at)"
                    + " values (?::uuid, 'escrow', ?, 'escrow:status_changed', ?::jsonb, ?, ?)")) {
                for (int n = 0; n < ROWS; n++) {
                    String escrowId = escrows[n % ESCROWS];
                    long version = n / ESCROWS + 1;
                    Instant now = Instant.now();
                    insert.setString(1, UUID.randomUUID().toString());
                    insert.setString(2, escrowId);
                    insert.setString(3, "{\"escrowId\":\"" + escrowId + "\",\"version\":" + version + ",\"occurredAt\":\""
                            + now + "\",\"actorId\":\"bench\",\"from\":\"FUNDED\",\"to\":\"FUNDED\"}");
                    insert.setLong(4, version);
                    insert.setTimestamp(5, Timestamp.from(now));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            db.commit();
            return firstSeq;
        }
    }

    private static long unpublished() throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement();
                ResultSet result = sql.executeQuery("select count(*) from outbox_event where published_at is null")) {
            result.next();
            return result.getLong(1);
        }
    }
}
