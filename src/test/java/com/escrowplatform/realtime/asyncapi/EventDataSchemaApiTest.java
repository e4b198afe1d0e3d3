package com.escrowplatform.realtime.asyncapi;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.outbox.CloudEventRecords;
import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
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
 * Every event the service emits, driven through REST, matches the published JSON Schema of its type's {@code data}
 * and the AsyncAPI document's message (CloudEvents headers, payload): as the outbox relay writes it to Kafka, and as
 * the gateway delivers it over {@code /ws}, with the other frames of the native protocol. Also: the service serves the AsyncAPI document and its schemas as they are in the
 * sources.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EventDataSchemaApiTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SOURCES = Path.of("src/main/resources/META-INF/resources/asyncapi");

    private final EventDataSchemas schemas = new EventDataSchemas();
    private final AsyncApiMessages messages = new AsyncApiMessages();

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldEmitEveryEventTypeWithDataThatMatchesItsSchema() {
        // one escrow through release, dispute and a RELEASE resolution with a note: all five escrow types
        EscrowScenario released = EscrowScenario.funded("100.00", "50.00", "25.00");
        List<JsonNode> frames;
        try (WsClient buyer = WsClient.connect(base, TestTokens.forUser(released.buyer()))) {
            frames = new ArrayList<>(List.of(buyer.next(WAIT)));
            buyer.send(WsClient.subscribe("escrow:" + released.id(), null, "s1"));
            frames.add(buyer.next(WAIT));

            as(released.buyer()).post(released.path("/milestones/" + released.milestoneIds().get(0) + "/release"))
                    .then().statusCode(200);
            String disputeId = as(released.buyer()).body(Map.of("reason", "The logo is missing"))
                    .post(released.path("/disputes")).then().statusCode(201).extract().path("disputes[0].id");
            as(released.arbiter()).body(Map.of("resolution", "RELEASE", "note", "Delivered in the end"))
                    .post(released.path("/disputes/" + disputeId + "/resolve")).then().statusCode(200);

            // release, filed, FUNDED->DISPUTED, resolved, two releases, DISPUTED->COMPLETED on the escrow's room,
            // and the buyer's notifications of the arbiter's resolution and what it released
            while (count(frames, EventTypes.STATUS_CHANGED) < 2 || count(frames, EventTypes.NOTIFICATION_NEW) < 4) {
                frames.add(buyer.next(WAIT));
            }
            // and the replies that are not events: a refusal and an unsubscribe
            buyer.send(WsClient.subscribe("lobby", null, "s2"));
            frames.add(buyer.nextMatching(frame -> "s2".equals(frame.path("ref").asText()), WAIT));
            buyer.send(WsClient.unsubscribe("escrow:" + released.id(), "u1"));
            frames.add(buyer.nextMatching(frame -> "u1".equals(frame.path("ref").asText()), WAIT));
        }
        // a refund without a note (note: null), and a cancelled escrow
        EscrowScenario refunded = EscrowScenario.refunded();
        EscrowScenario cancelled = EscrowScenario.cancelled();
        List<EscrowScenario> escrows = List.of(released, refunded, cancelled);

        List<ConsumerRecord<String, byte[]>> events = readEscrowEvents(escrows);
        List<ConsumerRecord<String, byte[]>> notifications = readNotifications(escrows, events.size());

        List<String> problems = new ArrayList<>();
        Set<String> types = new TreeSet<>();
        for (ConsumerRecord<String, byte[]> record : Stream.concat(events.stream(), notifications.stream()).toList()) {
            String type = CloudEventRecords.header(record.headers(), CloudEventRecords.TYPE);
            types.add(type);
            String where = record.topic() + " " + type + " " + CloudEventRecords.header(record.headers(), CloudEventRecords.ID);
            headerProblems(record).forEach(problem -> problems.add(where + ": " + problem));
            schemas.problems(type, Json.parse(record.value()))
                    .forEach(problem -> problems.add(where + ": " + problem));
            if (EventTypes.ALL.contains(type)) {
                String message = "kafka" + AsyncApiMessages.messageSuffix(type);
                messages.headerProblems(message, headers(record)).forEach(problem -> problems.add(where + " headers: " + problem));
                messages.payloadProblems(message, Json.parse(record.value()))
                        .forEach(problem -> problems.add(where + " value: " + problem));
            }
        }
        Set<String> frameTypes = new TreeSet<>();
        for (JsonNode frame : frames) {
            String type = frame.path("type").asText();
            frameTypes.add(type);
            String message = EventTypes.ALL.contains(type) ? "native" + AsyncApiMessages.messageSuffix(type) : type;
            messages.payloadProblems(message, frame).forEach(problem -> problems.add("/ws " + type + ": " + problem));
            if (EventTypes.ALL.contains(type)) {
                schemas.problems(type, frame.path("data")).forEach(problem -> problems.add("/ws " + type + ": " + problem));
            }
        }

        assertThat(problems).isEmpty();
        assertThat(frameTypes).contains("welcome", "subscribed", "error", "unsubscribed");
        assertThat(types).containsExactlyInAnyOrderElementsOf(EventTypes.ALL);
        assertThat(frameTypes).contains(EventTypes.STATUS_CHANGED, EventTypes.MILESTONE_RELEASED,
                EventTypes.DISPUTE_FILED, EventTypes.DISPUTE_RESOLVED, EventTypes.NOTIFICATION_NEW);
        assertThat(events).extracting(record -> Json.parse(record.value()).path("note"))
                .as("both a resolution note and none were checked").contains(Json.parse("null"), Json.parse("\"Delivered in the end\""));
    }

    @Test
    void shouldServeTheAsyncApiDocumentAndItsSchemasAsInTheSources() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSize(1 + EventTypes.ALL.size());
        for (Path file : files) {
            String path = "/asyncapi/" + SOURCES.relativize(file).toString().replace('\\', '/');
            assertThat(given().get(path).then().statusCode(200).extract().asString()).as(path)
                    .isEqualTo(Files.readString(file));
        }
    }

    private static long count(List<JsonNode> frames, String type) {
        return frames.stream().filter(frame -> type.equals(frame.path("type").asText())).count();
    }

    /** Every record of the escrows, up to each one's current version (a record relayed twice is read once). */
    private static List<ConsumerRecord<String, byte[]>> readEscrowEvents(List<EscrowScenario> escrows) {
        Map<String, Integer> versions = new HashMap<>();
        escrows.forEach(escrow -> versions.put(escrow.id(), escrow.version()));
        try (TopicReader topic = new TopicReader("escrow.events", versions.keySet())) {
            return distinct(topic.readUntil(read -> {
                Set<String> seen = new HashSet<>();
                read.forEach(record -> seen.add(record.key() + "@" + Json.parse(record.value()).path("version").asInt()));
                return versions.entrySet().stream().allMatch(escrow -> java.util.stream.IntStream
                        .rangeClosed(1, escrow.getValue()).allMatch(version -> seen.contains(escrow.getKey() + "@" + version)));
            }, WAIT));
        }
    }

    /** The notifications of the escrows: one per event and party other than the actor, so two per event here. */
    private static List<ConsumerRecord<String, byte[]>> readNotifications(List<EscrowScenario> escrows, int events) {
        Set<String> users = new HashSet<>();
        Set<String> ids = new HashSet<>();
        escrows.forEach(escrow -> {
            users.addAll(List.of(escrow.buyer(), escrow.seller(), escrow.arbiter()));
            ids.add(escrow.id());
        });
        try (TopicReader topic = new TopicReader("user.notifications", users)) {
            return distinct(topic.readUntil(read -> distinct(read).stream()
                    .filter(record -> ids.contains(Json.parse(record.value()).path("escrowId").asText()))
                    .count() >= 2L * events, WAIT));
        }
    }

    private static List<ConsumerRecord<String, byte[]>> distinct(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, ConsumerRecord<String, byte[]>> byId = new java.util.LinkedHashMap<>();
        records.forEach(record -> byId.putIfAbsent(CloudEventRecords.header(record.headers(), CloudEventRecords.ID), record));
        return new ArrayList<>(byId.values());
    }

    /** A record's headers as one JSON object of strings (the last value of a repeated header), as the document shows them. */
    private static JsonNode headers(ConsumerRecord<String, byte[]> record) {
        ObjectNode headers = Json.MAPPER.createObjectNode();
        record.headers().forEach(header -> headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8)));
        return headers;
    }

    /** What the document says in words rather than schema: the subject is the key, the type is one of the topic's. */
    private static List<String> headerProblems(ConsumerRecord<String, byte[]> record) {
        List<String> problems = new ArrayList<>();
        if (!record.key().equals(CloudEventRecords.header(record.headers(), CloudEventRecords.SUBJECT))) {
            problems.add("ce_subject is not the key " + record.key());
        }
        String type = CloudEventRecords.header(record.headers(), CloudEventRecords.TYPE);
        Set<String> allowed = record.topic().equals("escrow.events") ? EventTypes.ESCROW_TYPES
                : Set.of(EventTypes.NOTIFICATION_NEW);
        if (!allowed.contains(type)) {
            problems.add("ce_type '" + type + "' is not a type of " + record.topic());
        }
        return problems;
    }
}
