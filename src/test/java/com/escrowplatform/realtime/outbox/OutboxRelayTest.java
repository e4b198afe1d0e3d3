package com.escrowplatform.realtime.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

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

    private static long version(ConsumerRecord<String, byte[]> record) {
        return Json.parse(record.value()).path("version").asLong();
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
