package com.escrowplatform.realtime.gateway.kafka;

import static com.escrowplatform.realtime.testsupport.ForeignRecords.cloudEvent;
import static com.escrowplatform.realtime.testsupport.ForeignRecords.utf8;
import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.LogCapture;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.TopicReader;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * CONTRACT 4 for records other services produce straight to the event topics: a well-formed one reaches the
 * room like our own events; one that breaks the shape reaches no client, is copied once to
 * {@code <topic>.dlq} with its reason in the {@code dead-letter-reason} header, and does not stop
 * consumption.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class DeadLetterTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ESCROW_EVENTS = "escrow.events";
    static final String USER_NOTIFICATIONS = "user.notifications";
    /** Header names the dead-letter copies carry (DeadLetterRouter; the same as SmallRye's Kafka dead-letter strategy). */
    static final String REASON = "dead-letter-reason";
    static final String ORIGIN_TOPIC = "dead-letter-topic";

    static KafkaProducer<String, byte[]> producer;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void startProducer() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, "other-service",
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void closeProducer() {
        producer.close(Duration.ofSeconds(5));
    }

    // Another service's well-formed status change is delivered; five broken records are not, each lands once in the DLQ naming its problem, and a later event still arrives.
    @Test
    void shouldDeliverForeignEventsAndDeadLetterEachMalformedRecordOnceWithoutStoppingConsumption() {
        EscrowScenario escrow = EscrowScenario.pending();
        String key = escrow.id();
        String room = "escrow:" + key;
        try (WsClient party = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
            assertThat(party.next(WAIT).path("type").asText()).isEqualTo("welcome");
            party.send(WsClient.subscribe(room, null, "dl"));
            assertThat(party.nextMatching(f -> "subscribed".equals(f.path("type").asText()), WAIT).path("ref").asText())
                    .isEqualTo("dl");

            String foreignId = "other-" + UUID.randomUUID();
            ObjectNode foreignData = escrowData(key, 41);
            send(escrowEvent(foreignId, key, foreignData));
            List<JsonNode> upToForeign = foreignFramesUntil(party, room, 41);
            assertThat(upToForeign).hasSize(1);
            JsonNode foreign = upToForeign.get(0);
            assertThat(foreign.path("type").asText()).isEqualTo("escrow:status_changed");
            assertThat(foreign.path("data")).isEqualTo(foreignData);
            assertThat(foreign.path("id").asText()).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9_-]+");

            // ce_id → the words its dead-letter reason must contain
            Map<String, String> malformed = new LinkedHashMap<>();
            String missingType = "bad-" + UUID.randomUUID();
            send(withoutHeader(escrowEvent(missingType, key, escrowData(key, 42)), "ce_type"));
            malformed.put(missingType, "ce_type 'null'");
            String wrongType = "bad-" + UUID.randomUUID();
            send(cloudEvent(ESCROW_EVENTS, wrongType, "notification:new", key, key, json(escrowData(key, 43))));
            malformed.put(wrongType, "ce_type 'notification:new' is not an event type of this topic");
            String notJson = "bad-" + UUID.randomUUID();
            send(cloudEvent(ESCROW_EVENTS, notJson, "escrow:status_changed", key, key,
                    utf8("{\"escrowId\":\"" + key + "\", version: 44")));
            malformed.put(notJson, "the value is not a JSON object");
            String otherSubject = "bad-" + UUID.randomUUID();
            send(cloudEvent(ESCROW_EVENTS, otherSubject, "escrow:status_changed", key, UUID.randomUUID().toString(),
                    json(escrowData(key, 45))));
            malformed.put(otherSubject, "ce_subject must equal the record key");
            String noKey = "bad-" + UUID.randomUUID();
            send(cloudEvent(ESCROW_EVENTS, noKey, "escrow:status_changed", null, key, json(escrowData(key, 46))));
            malformed.put(noKey, "the key must be the subject");

            String laterId = "other-" + UUID.randomUUID();
            ObjectNode laterData = escrowData(key, 47);
            send(escrowEvent(laterId, key, laterData));
            // same key, same partition: had any malformed record of this key been delivered, it would come first
            List<JsonNode> upToLater = foreignFramesUntil(party, room, 47);
            assertThat(upToLater).extracting(frame -> frame.path("data")).containsExactly(laterData);

            assertDeadLetteredOnce(ESCROW_EVENTS, malformed, List.of(foreignId, laterId));
            assertThat(party.pending()).noneMatch(inRoom(room));
        }
    }

    // A notification whose data names another user is not delivered, lands once in user.notifications.dlq, and the next notification arrives.
    @Test
    void shouldDeadLetterAMalformedNotificationAndKeepDeliveringTheUserRoom() {
        String user = Api.uniqueUser("reader");
        String room = "user:" + user;
        try (WsClient client = WsClient.connect(base, TestTokens.forUser(user))) {
            assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");

            String firstId = "other-" + UUID.randomUUID();
            ObjectNode first = notificationData(user);
            send(cloudEvent(USER_NOTIFICATIONS, firstId, "notification:new", user, user, json(first)));
            JsonNode delivered = nextInRoom(client, room);
            assertThat(delivered.path("type").asText()).isEqualTo("notification:new");
            assertThat(delivered.path("data")).isEqualTo(first);

            String strangersId = "bad-" + UUID.randomUUID();
            send(cloudEvent(USER_NOTIFICATIONS, strangersId, "notification:new", user, user,
                    json(notificationData(Api.uniqueUser("someone-else")))));

            String nextId = "other-" + UUID.randomUUID();
            ObjectNode next = notificationData(user);
            send(cloudEvent(USER_NOTIFICATIONS, nextId, "notification:new", user, user, json(next)));
            // one partition per key: had the malformed one been delivered, it would come before this one
            assertThat(nextInRoom(client, room).path("data")).isEqualTo(next);

            assertDeadLetteredOnce(USER_NOTIFICATIONS, Map.of(strangersId, "data.userId must equal the record key"),
                    List.of(firstId, nextId));
            assertThat(client.pending()).noneMatch(inRoom(room));
        }
    }

    // While the broker is away the router's commits fail: counted, one WARN, no ERROR; once it is back the router
    // goes on, and a record that breaks the shape is copied once.
    @Test
    void shouldRideOutABrokerOutageWithOneWarningAndGoOnDeadLettering() {
        double failedBefore = metric("escrow_gateway_dead_letter_commits_failed_total").orElse(0);
        try (LogCapture log = LogCapture.start()) {
            TestInfrastructure.kafka().stop();
            try {
                Awaitility.await("a commit of the dead-letter group failed").atMost(Duration.ofSeconds(60))
                        .until(() -> log.mentioning(DeadLetterRouter.GROUP).stream()
                                .anyMatch(line -> line.toLowerCase(Locale.ROOT).contains("commit")));
            } finally {
                TestInfrastructure.kafka().start();
            }
            String key = UUID.randomUUID().toString();
            String afterwards = "bad-" + UUID.randomUUID();
            send(cloudEvent(ESCROW_EVENTS, afterwards, "notification:new", key, key, json(escrowData(key, 1))));
            assertDeadLetteredOnce(ESCROW_EVENTS, Map.of(afterwards, "is not an event type of this topic"), List.of());

            assertThat(log.errors()).as("no ERROR of the dead-letter router or its consumer")
                    .noneMatch(line -> line.contains(DeadLetterRouter.GROUP) || line.contains(DeadLetterRouter.class.getName()));
            assertThat(log.warningsOrWorse()).as("one WARN for the outage")
                    .filteredOn(line -> line.contains(DeadLetterRouter.class.getName()) && line.contains("commit")).hasSize(1);
            assertThat(metric("escrow_gateway_dead_letter_commits_failed_total").orElseThrow()).isGreaterThan(failedBefore);
        }
    }

    /** Each malformed ce_id is in {@code <topic>.dlq} exactly once, with its reason; the valid ones are not. */
    private static void assertDeadLetteredOnce(String topic, Map<String, String> reasons, List<String> validIds) {
        List<String> watched = new ArrayList<>(reasons.keySet());
        watched.addAll(validIds);
        try (TopicReader dlq = new TopicReader(topic + ".dlq", r -> watched.contains(header(r.headers(), "ce_id")))) {
            dlq.readUntil(read -> read.stream().map(r -> header(r.headers(), "ce_id")).collect(Collectors.toSet())
                    .containsAll(reasons.keySet()), WAIT);
            Map<String, List<ConsumerRecord<String, byte[]>>> byId = dlq.readToCurrentEnd(WAIT).stream()
                    .collect(Collectors.groupingBy(r -> header(r.headers(), "ce_id")));
            assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(reasons.keySet());
            reasons.forEach((ceId, reason) -> {
                assertThat(byId.get(ceId)).as("copies of %s", ceId).hasSize(1);
                Headers headers = byId.get(ceId).get(0).headers();
                assertThat(header(headers, REASON)).as("reason for %s", ceId).contains(reason);
                assertThat(header(headers, ORIGIN_TOPIC)).isEqualTo(topic);
            });
        }
    }

    private static JsonNode nextInRoom(WsClient client, String room) {
        return client.nextMatching(inRoom(room), WAIT);
    }

    /**
     * The room's frames produced by the other service, up to the one of {@code version}: the escrow's own
     * creation event may arrive live after the subscription, and is not what these tests are about.
     */
    private static List<JsonNode> foreignFramesUntil(WsClient client, String room, long version) {
        List<JsonNode> foreign = new ArrayList<>();
        JsonNode frame;
        do {
            frame = nextInRoom(client, room);
            if ("other-service".equals(frame.path("data").path("actorId").asText())) {
                foreign.add(frame);
            }
        } while (frame.path("data").path("version").asLong() != version);
        return foreign;
    }

    private static Predicate<JsonNode> inRoom(String room) {
        return frame -> room.equals(frame.path("room").asText());
    }

    private static void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError("cannot produce " + record, e);
        }
    }

    /** A valid escrow status change as another service would produce it (CloudEvents binary mode). */
    private static ProducerRecord<String, byte[]> escrowEvent(String ceId, String escrowId, ObjectNode data) {
        return cloudEvent(ESCROW_EVENTS, ceId, "escrow:status_changed", escrowId, escrowId, json(data));
    }

    private static ProducerRecord<String, byte[]> withoutHeader(ProducerRecord<String, byte[]> record, String name) {
        record.headers().remove(name);
        return record;
    }

    private static ObjectNode escrowData(String escrowId, int version) {
        return Json.MAPPER.createObjectNode().put("escrowId", escrowId).put("version", version).put("from", "PENDING")
                .put("to", "CANCELLED").put("occurredAt", Instant.now().toString()).put("actorId", "other-service");
    }

    private static ObjectNode notificationData(String userId) {
        return Json.MAPPER.createObjectNode().put("notificationId", UUID.randomUUID().toString()).put("userId", userId)
                .put("kind", "escrow:status_changed").put("title", "Escrow cancelled")
                .put("body", "Cancelled by the other service").put("createdAt", Instant.now().toString());
    }

    private static String header(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] json(JsonNode node) {
        return utf8(node.toString());
    }
}
