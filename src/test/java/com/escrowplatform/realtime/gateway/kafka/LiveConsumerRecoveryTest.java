package com.escrowplatform.realtime.gateway.kafka;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.WAIT;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.connectSubscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versionsBetween;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.ForeignRecords;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TopicReader;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Guards the live consumer against dying unnoticed: a failure escaping its loop makes readiness DOWN, the
 * consumer restarts by itself from where it stopped, and what was produced meanwhile reaches an open socket
 * exactly once; partitions added at run time are consumed without a restart. Topics of its own, since it
 * adds partitions.
 */
@QuarkusTest
@TestProfile(LiveConsumerRecoveryTest.OwnTopics.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class LiveConsumerRecoveryTest {
    static final String ESCROW_TOPIC = "recovery.escrow.events";

    public static class OwnTopics implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "escrow.topics.escrow-events", ESCROW_TOPIC,
                    "escrow.topics.user-notifications", "recovery.user.notifications",
                    "escrow.topics.partitions", "2",
                    "escrow.gateway.live-consumer.restart-backoff-min", "100ms",
                    "escrow.gateway.live-consumer.restart-backoff-max", "500ms",
                    "escrow.gateway.live-consumer.metadata-interval", "1s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    GatewayRuntime gateway;

    @AfterEach
    void healTheConsumer() {
        gateway.liveConsumer().faultSeam(() -> {
        });
    }

    // A fault kills the consumer: readiness DOWN until it restarts; the release made meanwhile arrives once, in order.
    @Test
    void shouldRestartADeadLiveConsumerFromWhereItStoppedAndBeNotReadyMeanwhile() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(3));
        String room = room(escrow);
        try (WsClient buyer = connectSubscribed(base, escrow.buyer(), room, null)) {
            release(escrow, 0);
            long first = version(escrow);
            assertThat(versions(eventsThrough(buyer, room, first))).endsWith(first);
            assertThat(readiness()).isEqualTo(200);
            double restartsBefore = metric("escrow_gateway_consumer_restarts_total").orElse(0);
            double duplicatesBefore = metric("escrow_gateway_duplicates_dropped_total").orElseThrow();

            AtomicBoolean failing = new AtomicBoolean(true);
            gateway.liveConsumer().faultSeam(() -> {
                if (failing.get()) {
                    throw new IllegalStateException("injected consumer fault");
                }
            });
            Awaitility.await("readiness DOWN while the consumer is dead").atMost(WAIT).until(() -> readiness() == 503);
            assertThat(liveConsumerCheck()).isEqualTo("DOWN");

            release(escrow, 1);
            long meanwhile = version(escrow);
            try (TopicReader topic = new TopicReader(ESCROW_TOPIC, Set.of(escrow.id()))) {
                topic.readUntil(read -> read.stream().anyMatch(r -> dataVersion(r.value()) == meanwhile), WAIT);
            }
            assertThat(readiness()).as("still dead: the release is in Kafka, not consumed").isEqualTo(503);
            assertThat(buyer.pending()).as("nothing delivered while dead")
                    .noneMatch(frame -> room.equals(frame.path("room").asText()));

            failing.set(false);
            Awaitility.await("ready again once the consumer restarted").atMost(WAIT).until(() -> readiness() == 200);
            assertThat(liveConsumerCheck()).isEqualTo("UP");
            release(escrow, 2); // the last milestone: its release, then FUNDED -> COMPLETED
            long last = version(escrow);
            List<JsonNode> received = eventsThrough(buyer, room, last);
            assertThat(versions(received)).as("the release made meanwhile arrives once, then the later ones, in order")
                    .containsExactlyElementsOf(versionsBetween(meanwhile, last));
            assertThat(buyer.pending()).noneMatch(frame -> room.equals(frame.path("room").asText()));
            assertThat(metric("escrow_gateway_consumer_restarts_total").orElseThrow()).isGreaterThan(restartsBefore);
            assertThat(metric("escrow_gateway_duplicates_dropped_total").orElseThrow())
                    .as("resumed at the delivered positions: no record was read twice (the ce_id dedupe had nothing to drop)")
                    .isEqualTo(duplicatesBefore);
        }
    }

    // A partition added to the topic at run time is consumed from its beginning, without a restart.
    @Test
    void shouldConsumeAPartitionAddedAtRunTime() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(1));
        String room = room(escrow);
        try (WsClient buyer = connectSubscribed(base, escrow.buyer(), room, null);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfrastructure.kafka().bootstrapServers()));
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            int partitions = admin.describeTopics(List.of(ESCROW_TOPIC)).allTopicNames().get().get(ESCROW_TOPIC)
                    .partitions().size();
            admin.createPartitions(Map.of(ESCROW_TOPIC, NewPartitions.increaseTo(partitions + 1))).all().get();

            // another service's event for this escrow, written to the new partition at once
            String ceId = "new-partition-" + UUID.randomUUID();
            String data = "{\"escrowId\":\"" + escrow.id() + "\",\"version\":4242,\"from\":\"FUNDED\","
                    + "\"to\":\"DISPUTED\",\"occurredAt\":\"" + Instant.now() + "\",\"actorId\":\"other-service\"}";
            producer.send(ForeignRecords.cloudEvent(ESCROW_TOPIC, partitions, ceId, "escrow:status_changed",
                    escrow.id(), escrow.id(), ForeignRecords.utf8(data))).get();

            JsonNode event = buyer.nextMatching(frame -> room.equals(frame.path("room").asText())
                    && frame.path("data").path("version").asLong() == 4242, Duration.ofSeconds(60));
            assertThat(event.path("type").asText()).isEqualTo("escrow:status_changed");
            assertThat(event.path("data").path("actorId").asText()).isEqualTo("other-service");
            assertThat(readiness()).isEqualTo(200);

            // the room's partition is now the one a producer picks with the new count, so a position on the old
            // one answers "not recovered" instead of a replay that misses what the new partition holds
            String moved;
            do { // a key whose partition differs between the two counts
                moved = UUID.randomUUID().toString();
            } while (keyPartition(moved, partitions) == keyPartition(moved, partitions + 1));
            assertThat(gateway.partitioner().partitionOf("escrow:" + moved).partition())
                    .isEqualTo(keyPartition(moved, partitions + 1));
        }
    }

    /** The partition Kafka's default partitioner picks for {@code key}. */
    private static int keyPartition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static int readiness() {
        return given().get("/q/health/ready").statusCode();
    }

    private static String liveConsumerCheck() {
        return given().get("/q/health/ready").then().extract()
                .path("checks.find { it.name == 'live-consumer' }.status").toString();
    }

    private static long dataVersion(byte[] value) {
        return Json.parse(value).path("version").asLong();
    }
}
