package com.escrowplatform.realtime.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import jakarta.inject.Inject;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TopicReader;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The relay's delivery promises: atomic with the change, survives a broker outage, resends with the same id. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OutboxRelayTest {
    private static final String UNPUBLISHED = "select count(*) from outbox_event where published_at is null";
    private static final String UNPUBLISHED_OF =
            "select count(*) from outbox_event where aggregateid = ? and published_at is null";

    @Inject
    PgOutboxRelay relay;

    /** Guards the single transaction: a failure after the event rows were written leaves nothing behind. */
    @Test
    void shouldLeaveNoChangeEventOrNotificationWhenTheTransactionFailsAfterWriting() throws Exception {
        String buyer = Api.uniqueUser("buyer");
        String poisoned = Api.uniqueUser("poisoned-seller");
        String escrowId = Api.createEscrow(buyer, poisoned, null, "10.00").then().statusCode(201).extract().path("id");
        Api.as(poisoned).post("/api/escrows/" + escrowId + "/join").then().statusCode(200);
        long versionBefore = Api.as(buyer).get("/api/escrows/" + escrowId).then().extract().<Integer>path("version");
        int notificationsBefore = countRows("select count(*) from notification where escrow_id = ?::uuid", escrowId);

        // the notification for the seller is written after the escrow's own event row, then the insert fails
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement()) {
            sql.execute("create or replace function fail_for_poisoned() returns trigger language plpgsql as $$"
                    + " begin if new.user_id = '" + poisoned + "' then raise exception 'poisoned recipient'; end if;"
                    + " return new; end $$");
            sql.execute("create trigger fail_for_poisoned before insert on notification for each row"
                    + " execute function fail_for_poisoned()");
        }
        try {
            Api.as(buyer).post("/api/escrows/" + escrowId + "/fund").then().statusCode(500)
                    .body("code", org.hamcrest.Matchers.equalTo("internal_error"));
        } finally {
            try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement()) {
                sql.execute("drop trigger fail_for_poisoned on notification");
            }
        }

        Api.as(buyer).get("/api/escrows/" + escrowId).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("ACTIVE"))
                .body("version", org.hamcrest.Matchers.equalTo((int) versionBefore));
        assertThat(countRows("select count(*) from outbox_event where aggregateid = ? and version > " + versionBefore,
                escrowId)).isZero();
        assertThat(countRows("select count(*) from notification where escrow_id = ?::uuid", escrowId))
                .isEqualTo(notificationsBefore);

        // and the same call succeeds once nothing stands in the way
        Api.as(buyer).post("/api/escrows/" + escrowId + "/fund").then().statusCode(200)
                .body("version", org.hamcrest.Matchers.equalTo((int) versionBefore + 1));
    }

    /** Guards outage handling: changes made while Kafka is down are all published, in order, once it is back. */
    @Test
    void shouldPublishInOrderEverythingWrittenWhileTheBrokerWasDown() throws Exception {
        EscrowScenario funded = EscrowScenario.funded("1.00", "2.00", "3.00", "4.00", "5.00", "6.00");
        try (TopicReader reader = new TopicReader("escrow.events", Set.of(funded.id()))) {
            reader.readUntil(read -> read.size() == 5, Duration.ofSeconds(30));
        }
        TestInfrastructure.kafka().stop();
        try {
            for (String milestone : funded.milestoneIds()) {
                Api.as(funded.buyer()).post("/api/escrows/" + funded.id() + "/milestones/" + milestone + "/release")
                        .then().statusCode(200);
            }
            assertThat(countRows("select count(*) from outbox_event where aggregateid = ? and published_at is null",
                    funded.id())).as("events wait in the outbox while Kafka is down").isEqualTo(7);
        } finally {
            TestInfrastructure.kafka().start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> countRows(
                "select count(*) from outbox_event where aggregateid = ? and published_at is null", funded.id()) == 0);

        List<ConsumerRecord<String, byte[]>> records;
        try (TopicReader reader = new TopicReader("escrow.events", Set.of(funded.id()))) {
            records = reader.readUntil(read -> read.stream().map(r -> version(r)).distinct().count() == 12,
                    Duration.ofSeconds(30));
        }
        List<Long> distinctInOrder = records.stream().map(OutboxRelayTest::version).distinct().toList();
        assertThat(distinctInOrder).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(records.stream().map(OutboxRelayTest::version).toList())
                .as("a retried batch may repeat records, never reorder them").isSorted();
    }

    /**
     * Guards the relay's ordering contract where a broker coming back mid-round would break it: the first send of
     * a round fails by itself (as a fresh producer's does while it has no metadata) and the later ones are
     * accepted. The round must send nothing after that failure, so the escrow's records land once, in order.
     */
    @Test
    void shouldSendNothingAfterTheFirstFailedSendOfARound() throws Exception {
        EscrowScenario funded = EscrowScenario.funded("1.00", "2.00", "3.00", "4.00");
        awaitPublished(funded.id());
        SendFaults faults = new SendFaults(funded.id());
        relay.injectSendFaults(faults);
        try {
            faults.failEverySend();
            for (String milestone : funded.milestoneIds()) {
                Api.as(funded.buyer()).post("/api/escrows/" + funded.id() + "/milestones/" + milestone + "/release")
                        .then().statusCode(200);
            }
            assertThat(countRows(UNPUBLISHED_OF, funded.id())).as("four releases and the completion wait").isEqualTo(5);
            faults.failNextSendOnly();
            awaitPublished(funded.id());
        } finally {
            relay.injectSendFaults(UnaryOperator.identity());
        }

        List<Long> versions = versionsOnKafka(funded.id(), 10);
        assertThat(versions.stream().distinct().toList()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(versions).as("records of one escrow in Kafka order").isSorted();
        List<SendFaults.Attempt> attempts = faults.attempts();
        int lastFailure = IntStream.range(0, attempts.size()).filter(i -> attempts.get(i).failed()).max().orElseThrow();
        assertThat(attempts.subList(lastFailure, attempts.size()))
                .as("after a failed send the next one the relay makes is the same record again, then the rest in order")
                .extracting(SendFaults.Attempt::version).containsExactly(6L, 6L, 7L, 8L, 9L, 10L);
    }

    /**
     * Guards order and completeness across a broker crash between rounds: two escrows on different partitions
     * change while the broker is dead (SIGKILL, no controlled shutdown); once it is back, each escrow's records are
     * all there, once in order.
     */
    @Test
    void shouldPublishEachEscrowInOrderAfterTheBrokerIsKilled() throws Exception {
        EscrowScenario first = EscrowScenario.funded("1.00", "2.00", "3.00", "4.00");
        EscrowScenario second = EscrowScenario.funded("1.00", "2.00", "3.00", "4.00");
        while (partitionOf(second.id()) == partitionOf(first.id())) {
            second = EscrowScenario.funded("1.00", "2.00", "3.00", "4.00");
        }
        awaitPublished(first.id());
        awaitPublished(second.id());
        TestInfrastructure.kafka().kill();
        try {
            for (int m = 0; m < 4; m++) {
                for (EscrowScenario escrow : List.of(first, second)) {
                    Api.as(escrow.buyer()).post("/api/escrows/" + escrow.id() + "/milestones/"
                            + escrow.milestoneIds().get(m) + "/release").then().statusCode(200);
                }
            }
        } finally {
            TestInfrastructure.kafka().start();
        }
        for (EscrowScenario escrow : List.of(first, second)) {
            awaitPublished(escrow.id());
            List<Long> versions = versionsOnKafka(escrow.id(), 10);
            assertThat(versions.stream().distinct().toList()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
            assertThat(versions).as("a resent record may repeat, never overtake").isSorted();
        }
    }

    /**
     * Guards fact 3 of the relay's ordering contract, which also makes the drain after an outage start at once: a
     * round waiting on a broker that died is not failed by a producer timeout, however long the broker stays away;
     * it completes when the broker is back. (Whether the release is handed over before the producer re-bootstraps
     * and forgets the topics is timing; rounds that find no metadata fail with nothing in flight, which is allowed.)
     */
    @Test
    void shouldWaitOutABrokerOutageLongerThanEveryProducerTimeoutWithoutFailingARound() throws Exception {
        EscrowScenario funded = EscrowScenario.funded("1.00", "2.00");
        awaitPublished(funded.id());
        double failedBefore = roundsThatFailedAnAcceptedRecord();
        TestInfrastructure.kafka().kill();
        try {
            Api.as(funded.buyer()).post("/api/escrows/" + funded.id() + "/milestones/" + funded.milestoneIds().get(0)
                    + "/release").then().statusCode(200);
            // the outage itself: longer than the producer's request timeout (5 s) and max.block.ms (5 s), and than
            // the 15 s a delivery timeout would give a record
            Thread.sleep(Duration.ofSeconds(20).toMillis());
        } finally {
            TestInfrastructure.kafka().start();
        }
        awaitPublished(funded.id());
        // rounds may fail for want of metadata (the producer re-bootstraps while no broker answers): nothing of
        // theirs was in flight; what must not happen is the producer giving up on a record it accepted
        assertThat(roundsThatFailedAnAcceptedRecord()).as("relay rounds that lost an accepted record to the outage")
                .isEqualTo(failedBefore);
        assertThat(versionsOnKafka(funded.id(), 6)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    /**
     * Guards that leadership and its lock end together: when a statement of the leader fails while its session
     * lives on (here it is cancelled while it waits on a table lock), the relay stops leading and ends the session
     * that held the lock, so another instance can take over; then it leads again. A pooled connection went back to
     * the pool instead, still holding the lock.
     */
    @Test
    void shouldEndTheSessionItLedOnWhenItStopsLeading() throws Exception {
        Awaitility.await("the relay leads").atMost(Duration.ofSeconds(60)).until(() -> leaderGauge() == 1);
        try (Connection admin = TestInfrastructure.database().connect();
                Connection blocker = TestInfrastructure.database().connect()) {
            long leaderSession = Awaitility.await("a session holds the leader lock").atMost(Duration.ofSeconds(10))
                    .until(() -> single(admin, "select pid from pg_locks where locktype = 'advisory' and granted"
                            + " and database = (select oid from pg_database where datname = current_database())"
                            + " and ((classid::bigint << 32) | objid::bigint) = " + PgOutboxRelay.LEADER_LOCK), pid -> pid > 0);
            blocker.setAutoCommit(false);
            try (Statement sql = blocker.createStatement()) {
                sql.execute("lock table outbox_event in access exclusive mode");
            }
            try {
                // the relay looks at the outbox every poll interval; that statement now waits on the lock: cancel it
                Awaitility.await("the relay's statement cancelled").atMost(Duration.ofSeconds(30))
                        .until(() -> single(admin, "select count(pg_cancel_backend(pid)) from (select pid from"
                                + " pg_stat_activity where pid = " + leaderSession + " and wait_event_type = 'Lock'"
                                + " offset 0) waiting") == 1);
            } finally {
                blocker.rollback();
            }
            Awaitility.await("the session the relay led on has ended").atMost(Duration.ofSeconds(30))
                    .until(() -> single(admin, "select count(*) from pg_stat_activity where pid = " + leaderSession) == 0);
        }
        Awaitility.await("the relay leads again").atMost(Duration.ofSeconds(60)).until(() -> leaderGauge() == 1);
        awaitPublished(EscrowScenario.funded("1.00").id());
    }

    private static long single(Connection connection, String query) throws Exception {
        try (Statement sql = connection.createStatement(); ResultSet result = sql.executeQuery(query)) {
            return result.next() ? result.getLong(1) : -1;
        }
    }

    private static double leaderGauge() {
        return Metrics.metric("escrow_outbox_leader").orElseThrow();
    }

    /**
     * Guards the backlog gauge: it is measured apart from relaying, so it climbs to what piles up while Kafka is
     * down (the relay is then stuck retrying) and falls back to 0 once the rows are drained.
     */
    @Test
    void shouldMeasureTheBacklogWhileTheBrokerIsDownAndAfterItDrains() throws Exception {
        EscrowScenario funded = EscrowScenario.funded("1.00", "2.00");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> countRows(UNPUBLISHED) == 0);
        TestInfrastructure.kafka().stop();
        try {
            for (String milestone : funded.milestoneIds()) {
                Api.as(funded.buyer()).post("/api/escrows/" + funded.id() + "/milestones/" + milestone + "/release")
                        .then().statusCode(200);
            }
            int waiting = countRows(UNPUBLISHED);
            assertThat(waiting).as("two releases, the completion and their notifications").isGreaterThanOrEqualTo(3);
            Awaitility.await("the gauge counts the rows waiting for Kafka").atMost(Duration.ofSeconds(30))
                    .until(() -> backlogGauge() >= waiting);
        } finally {
            TestInfrastructure.kafka().start();
        }
        Awaitility.await("the gauge falls to 0 once drained").atMost(Duration.ofSeconds(90))
                .until(() -> backlogGauge() == 0);
        assertThat(countRows(UNPUBLISHED)).isZero();
    }

    /** Guards at-least-once: a row the relay sends again (as after a crash) carries the same ce_id. */
    @Test
    void shouldResendAnUnmarkedRowWithTheSameCloudEventId() throws Exception {
        String buyer = Api.uniqueUser("buyer");
        String escrowId = Api.createEscrow(buyer, Api.uniqueUser("seller"), null, "10.00").then().statusCode(201)
                .extract().path("id");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> countRows(
                "select count(*) from outbox_event where aggregateid = ? and published_at is not null", escrowId) == 1);

        // what a relay crash between Kafka's ack and the update leaves behind
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement()) {
            sql.executeUpdate("update outbox_event set published_at = null where aggregateid = '" + escrowId + "'");
        }
        List<ConsumerRecord<String, byte[]>> records;
        try (TopicReader reader = new TopicReader("escrow.events", Set.of(escrowId))) {
            records = reader.readUntil(read -> read.size() == 2, Duration.ofSeconds(30));
        }
        Set<String> ids = records.stream().map(r -> OutboxOrderingTest.headers(r).get("ce_id")).collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
    }

    private static void awaitPublished(String escrowId) {
        Awaitility.await("every event of " + escrowId + " published").atMost(Duration.ofSeconds(90))
                .until(() -> countRows(UNPUBLISHED_OF, escrowId) == 0);
    }

    private static List<Long> versionsOnKafka(String escrowId, int distinctVersions) {
        try (TopicReader reader = new TopicReader("escrow.events", Set.of(escrowId))) {
            return reader.readUntil(read -> read.stream().map(OutboxRelayTest::version).distinct().count() == distinctVersions,
                    Duration.ofSeconds(30)).stream().map(OutboxRelayTest::version).toList();
        }
    }

    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 6;
    }

    static long version(ConsumerRecord<String, byte[]> record) {
        return Json.parse(record.value()).path("version").asLong();
    }

    private static double roundsThatFailedAnAcceptedRecord() {
        return Metrics.metric("escrow_outbox_rounds_failed_total{cause=\"record_failed\"").orElseThrow();
    }

    private static double backlogGauge() {
        return Metrics.metric("escrow_outbox_backlog").orElseThrow();
    }

    private static int countRows(String query) throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement();
                ResultSet result = sql.executeQuery(query)) {
            result.next();
            return result.getInt(1);
        }
    }

    private static int countRows(String query, String parameter) throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); PreparedStatement sql = db.prepareStatement(query)) {
            sql.setString(1, parameter);
            try (ResultSet result = sql.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }
}
