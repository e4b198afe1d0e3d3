package com.escrowplatform.realtime.asyncapi;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
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

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every event the service emits, driven through REST, matches the published JSON Schema of its type's {@code data}
 * and the CloudEvents headers of the AsyncAPI document: as the outbox relay writes it to Kafka, and as the gateway
 * delivers it over {@code /ws}. Also: the service serves the AsyncAPI document and its schemas as they are in the
 * sources.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EventDataSchemaApiTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SOURCES = Path.of("src/main/resources/META-INF/resources/asyncapi");

    private final EventDataSchemas schemas = new EventDataSchemas();

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldEmitEveryEventTypeWithDataThatMatchesItsSchema() {
        // one escrow through release, dispute and a RELEASE resolution with a note: all five escrow types
        EscrowScenario released = EscrowScenario.funded("100.00", "50.00", "25.00");
        List<JsonNode> frames;
        try (WsClient buyer = WsClient.connect(base, TestTokens.forUser(released.buyer()))) {
            assertThat(buyer.next(WAIT).path("type").asText()).isEqualTo("welcome");
            buyer.send(WsClient.subscribe("escrow:" + released.id(), null, "s1"));
            buyer.nextMatching(frame -> "subscribed".equals(frame.path("type").asText()), WAIT);

            as(released.buyer()).post(released.path("/milestones/" + released.milestoneIds().get(0) + "/release"))
                    .then().statusCode(200);
            String disputeId = as(released.buyer()).body(Map.of("reason", "The logo is missing"))
                    .post(released.path("/disputes")).then().statusCode(201).extract().path("disputes[0].id");
            as(released.arbiter()).body(Map.of("resolution", "RELEASE", "note", "Delivered in the end"))
                    .post(released.path("/disputes/" + disputeId + "/resolve")).then().statusCode(200);

            // release, filed, FUNDED->DISPUTED, resolved, two releases, DISPUTED->COMPLETED on the escrow's room,
            // and the buyer's notifications of the arbiter's resolution and what it released
            frames = new ArrayList<>();
            while (count(frames, EventTypes.STATUS_CHANGED) < 2 || count(frames, EventTypes.NOTIFICATION_NEW) < 4) {
                frames.add(buyer.next(WAIT));
            }
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
        }
        Set<String> frameTypes = new TreeSet<>();
        for (JsonNode frame : frames) {
            String type = frame.path("type").asText();
            if (!EventTypes.ALL.contains(type)) {
                continue;
            }
            frameTypes.add(type);
            schemas.problems(type, frame.path("data")).forEach(problem -> problems.add("/ws " + type + ": " + problem));
            assertThat(frame.path("id").asText()).matches("[A-Za-z0-9_-]{1,64}");
            assertThat(frame.path("room").asText()).matches("(escrow|user):.+");
        }

        assertThat(problems).isEmpty();
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

    /** The CloudEvents headers as the AsyncAPI document's CloudEventHeaders schema and the topic's types say. */
    private static List<String> headerProblems(ConsumerRecord<String, byte[]> record) {
        List<String> problems = new ArrayList<>();
        Map<String, String> expected = Map.of(CloudEventRecords.SPECVERSION, "1.0", CloudEventRecords.CONTENT_TYPE,
                "application/json", CloudEventRecords.SUBJECT, record.key());
        expected.forEach((name, value) -> {
            if (!value.equals(CloudEventRecords.header(record.headers(), name))) {
                problems.add(name + " is not " + value);
            }
        });
        for (String name : List.of(CloudEventRecords.ID, CloudEventRecords.SOURCE)) {
            String value = CloudEventRecords.header(record.headers(), name);
            if (value == null || value.isBlank()) {
                problems.add(name + " is missing");
            }
        }
        String time = CloudEventRecords.header(record.headers(), CloudEventRecords.TIME);
        try {
            java.time.OffsetDateTime.parse(time);
        } catch (RuntimeException e) {
            problems.add("ce_time '" + time + "' is not RFC 3339");
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
