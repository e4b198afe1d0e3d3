package com.escrowplatform.realtime.asyncapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The event data schemas accept the data of CONTRACT 3 and reject data that breaks it, so that the check of the
 * emitted events ({@link EventDataSchemaApiTest}) can fail; and the AsyncAPI document references exactly these files.
 */
class EventDataSchemasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventDataSchemas SCHEMAS = new EventDataSchemas();
    private static final String ESCROW = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f";
    private static final String COMMON = "\"escrowId\":\"" + ESCROW + "\",\"version\":3,\"occurredAt\":\"2026-12-04T10:15:30.123456Z\",\"actorId\":\"buyer-1\"";

    /** One valid data object per type, shaped as the service writes them. */
    static final Map<String, String> VALID = new TreeMap<>(Map.of(
            EventTypes.STATUS_CHANGED, "{" + COMMON + ",\"from\":\"ACTIVE\",\"to\":\"FUNDED\"}",
            EventTypes.MILESTONE_RELEASED, "{" + COMMON
                    + ",\"milestoneId\":\"0b1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\",\"amount\":{\"amount\":\"100.00\",\"currency\":\"USD\"}}",
            EventTypes.DISPUTE_FILED, "{" + COMMON + ",\"disputeId\":\"1b1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\",\"reason\":\"late\"}",
            EventTypes.DISPUTE_RESOLVED, "{" + COMMON
                    + ",\"disputeId\":\"1b1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\",\"resolution\":\"REFUND\",\"note\":null}",
            EventTypes.PARTY_JOINED, "{" + COMMON + ",\"userId\":\"seller-1\",\"role\":\"SELLER\"}",
            EventTypes.NOTIFICATION_NEW, "{\"notificationId\":\"2b1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\",\"userId\":\"seller-1\","
                    + "\"escrowId\":\"" + ESCROW + "\",\"kind\":\"escrow:status_changed\",\"title\":\"Escrow funded\","
                    + "\"body\":\"Website redesign is now FUNDED.\",\"createdAt\":\"2026-12-04T10:15:30Z\"}"));

    @ParameterizedTest
    @MethodSource("types")
    void shouldAcceptTheContractsData(String type) throws IOException {
        assertThat(SCHEMAS.problems(type, JSON.readTree(VALID.get(type)))).isEmpty();
    }

    @Test
    void shouldAcceptTheCreationAndANotificationWithoutEscrow() throws IOException {
        assertThat(SCHEMAS.problems(EventTypes.STATUS_CHANGED,
                JSON.readTree("{" + COMMON.replace("\"version\":3", "\"version\":1") + ",\"from\":null,\"to\":\"PENDING\"}")))
                .isEmpty();
        ObjectNode notice = (ObjectNode) JSON.readTree(VALID.get(EventTypes.NOTIFICATION_NEW));
        notice.remove("escrowId");
        assertThat(SCHEMAS.problems(EventTypes.NOTIFICATION_NEW, notice)).isEmpty();
    }

    static Stream<String> types() {
        return EventTypes.ALL.stream().sorted();
    }

    /** Each breakage: the type, the field, the value it gets (null: the field is removed), the error expected. */
    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of(EventTypes.STATUS_CHANGED, "to", "\"PAID\"", "/to"),
                Arguments.of(EventTypes.STATUS_CHANGED, "from", null, "from"),
                Arguments.of(EventTypes.STATUS_CHANGED, "version", "\"3\"", "/version"),
                Arguments.of(EventTypes.STATUS_CHANGED, "version", "0", "/version"),
                Arguments.of(EventTypes.STATUS_CHANGED, "escrowId", "\"not-a-uuid\"", "/escrowId"),
                Arguments.of(EventTypes.STATUS_CHANGED, "occurredAt", "\"yesterday\"", "/occurredAt"),
                Arguments.of(EventTypes.MILESTONE_RELEASED, "amount", "{\"amount\":100.0,\"currency\":\"USD\"}", "/amount/amount"),
                Arguments.of(EventTypes.MILESTONE_RELEASED, "amount", "{\"amount\":\"1.00\",\"currency\":\"usd\"}", "/amount/currency"),
                Arguments.of(EventTypes.MILESTONE_RELEASED, "milestoneId", null, "milestoneId"),
                Arguments.of(EventTypes.DISPUTE_FILED, "reason", "\"\"", "/reason"),
                Arguments.of(EventTypes.DISPUTE_RESOLVED, "resolution", "\"SPLIT\"", "/resolution"),
                Arguments.of(EventTypes.DISPUTE_RESOLVED, "note", null, "note"),
                Arguments.of(EventTypes.PARTY_JOINED, "role", "\"OWNER\"", "/role"),
                Arguments.of(EventTypes.PARTY_JOINED, "actorId", null, "actorId"),
                Arguments.of(EventTypes.NOTIFICATION_NEW, "kind", "\"notification:new\"", "/kind"),
                Arguments.of(EventTypes.NOTIFICATION_NEW, "createdAt", "1733307330", "/createdAt"),
                Arguments.of(EventTypes.NOTIFICATION_NEW, "userId", null, "userId"),
                Arguments.of(EventTypes.NOTIFICATION_NEW, "sentBy", "\"ops\"", "/sentBy: not declared"));
    }

    @ParameterizedTest(name = "{0} {1} = {2}")
    @MethodSource("breakages")
    void shouldRejectDataThatBreaksTheContract(String type, String field, String value, String expected) throws IOException {
        ObjectNode data = (ObjectNode) JSON.readTree(VALID.get(type));
        if (value == null) {
            data.remove(field);
        } else {
            data.set(field, JSON.readTree(value));
        }

        assertThat(SCHEMAS.problems(type, data)).as(data.toString()).isNotEmpty()
                .anySatisfy(problem -> assertThat(problem).contains(expected));
    }

    @Test
    void shouldRejectAnUnknownType() throws IOException {
        assertThat(SCHEMAS.problems("escrow:payout_sent", JSON.readTree("{}"))).isNotEmpty();
    }

    /** One source: the AsyncAPI document takes each type's data schema from these files, and from nowhere else. */
    @Test
    void shouldBeTheFilesTheAsyncApiDocumentReferences() throws IOException {
        Path directory = Path.of("src/main/resources", EventDataSchemas.DIRECTORY);
        String document = Files.readString(directory.resolveSibling("escrow-realtime.yaml"));
        Matcher refs = Pattern.compile("\\$ref: '(schemas/[^']+)'").matcher(document);
        Set<String> referenced = new TreeSet<>();
        while (refs.find()) {
            referenced.add(refs.group(1).substring("schemas/".length()));
        }
        Set<String> expected = EventTypes.ALL.stream().map(EventDataSchemas::fileOf).collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(referenced).isEqualTo(expected);
    }
}
