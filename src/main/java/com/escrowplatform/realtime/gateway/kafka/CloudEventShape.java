package com.escrowplatform.realtime.gateway.kafka;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import org.apache.kafka.common.header.Headers;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.outbox.CloudEventRecords;
import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.tracing.EventTrace;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The record shape of CONTRACT 4, checked on everything read from the event topics, whoever produced it.
 * A record that breaks it is never delivered to a client; the reason names the first broken rule and is
 * what lands in the dead-letter record's header. Stateless; any thread.
 */
final class CloudEventShape {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Which topic a record came from: it decides the room prefix and the types allowed. The room is the prefix and
     * the key, not a parsed {@link Room}: a foreign escrow key that is no UUID is still delivered to its room (where
     * nobody can subscribe), as it always was, rather than dead-lettered.
     */
    public enum SourceTopic {
        ESCROW_EVENTS(Room.ESCROW_PREFIX),
        USER_NOTIFICATIONS(Room.USER_PREFIX);

        final String roomPrefix;

        SourceTopic(String roomPrefix) {
            this.roomPrefix = roomPrefix;
        }
    }

    /** A record that passed: what a {@link GatewayEvent} is made of. */
    public record Valid(String room, String ceId, String type, String dataJson) {
        public GatewayEvent toEvent(StreamPosition position) {
            return toEvent(position, null);
        }

        public GatewayEvent toEvent(StreamPosition position, EventTrace trace) {
            return new GatewayEvent(room, position, ceId, type, dataJson, trace);
        }
    }

    /** Either {@link #valid} or {@link #problem} is present. */
    public record Checked(Valid valid, String problem) {
        public boolean isValid() {
            return valid != null;
        }
    }

    private CloudEventShape() {
    }

    public static Checked check(SourceTopic topic, String key, Headers headers, byte[] value) {
        String problem;
        try {
            problem = problem(topic, key, headers, value);
        } catch (RuntimeException unforeseen) {
            // whatever a foreign record does to the checks, it is that record's problem: the caller's loop goes on
            problem = "the record cannot be checked: " + unforeseen;
        }
        if (problem != null) {
            return new Checked(null, problem);
        }
        return new Checked(new Valid(topic.roomPrefix + key, CloudEventRecords.header(headers, CloudEventRecords.ID),
                CloudEventRecords.header(headers, CloudEventRecords.TYPE), new String(value, StandardCharsets.UTF_8)), null);
    }

    private static String problem(SourceTopic topic, String key, Headers headers, byte[] value) {
        if (key == null || key.isEmpty() || key.length() > Caller.MAX_USER_ID_LENGTH) {
            return "the key must be the subject: 1 to " + Caller.MAX_USER_ID_LENGTH + " characters";
        }
        if (!"1.0".equals(CloudEventRecords.header(headers, CloudEventRecords.SPECVERSION))) {
            return "ce_specversion must be 1.0";
        }
        String id = CloudEventRecords.header(headers, CloudEventRecords.ID);
        if (id == null || id.isBlank() || id.length() > 200) {
            return "ce_id is missing";
        }
        String type = CloudEventRecords.header(headers, CloudEventRecords.TYPE);
        // null first: Set.of(...).contains(null) throws, and a throw here would end the live consumer
        boolean typeFitsTopic = type != null && (topic == SourceTopic.ESCROW_EVENTS ? EventTypes.ESCROW_TYPES.contains(type)
                : EventTypes.NOTIFICATION_NEW.equals(type));
        if (!typeFitsTopic) {
            return "ce_type '" + type + "' is not an event type of this topic";
        }
        String source = CloudEventRecords.header(headers, CloudEventRecords.SOURCE);
        if (source == null || source.isBlank()) {
            return "ce_source is missing";
        }
        if (!key.equals(CloudEventRecords.header(headers, CloudEventRecords.SUBJECT))) {
            return "ce_subject must equal the record key";
        }
        String time = CloudEventRecords.header(headers, CloudEventRecords.TIME);
        try {
            OffsetDateTime.parse(time == null ? "" : time);
        } catch (DateTimeParseException e) {
            return "ce_time is not an RFC 3339 timestamp";
        }
        String contentType = CloudEventRecords.header(headers, CloudEventRecords.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith(CloudEventRecords.JSON)) {
            return "content-type must be application/json";
        }
        Optional<JsonNode> data = parseObject(value);
        if (data.isEmpty()) {
            return "the value is not a JSON object";
        }
        if (topic == SourceTopic.ESCROW_EVENTS) {
            if (!key.equals(data.get().path("escrowId").asText(null))) {
                return "data.escrowId must equal the record key";
            }
            if (!data.get().path("version").canConvertToLong() || data.get().path("version").asLong() < 1) {
                return "data.version must be a positive integer";
            }
        } else if (!key.equals(data.get().path("userId").asText(null))) {
            return "data.userId must equal the record key";
        }
        return null;
    }

    private static Optional<JsonNode> parseObject(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            // strict UTF-8: a frame must never carry replacement characters that the producer did not send
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(value));
            JsonNode node = JSON.readTree(value);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
