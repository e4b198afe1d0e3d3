package com.escrowplatform.realtime.asyncapi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

/**
 * The payload and header schemas of the AsyncAPI document's messages, read from the served document on the class
 * path (its references to {@code schemas/*.json} resolved beside it), so a test can hold a frame or a record to what
 * the document promises.
 */
final class AsyncApiMessages {
    private static final String DOCUMENT = "classpath:META-INF/resources/asyncapi/escrow-realtime.yaml";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /** Problems of {@code frame} against the payload of the component message {@code message}. */
    List<String> payloadProblems(String message, JsonNode frame) {
        return problems("/components/messages/" + message + "/payload", frame);
    }

    /** Problems of a record's headers (as a JSON object of strings) against the message's {@code headers}. */
    List<String> headerProblems(String message, JsonNode headers) {
        return problems("/components/messages/" + message + "/headers", headers);
    }

    /** {@code escrow:status_changed} → {@code StatusChanged}: the suffix of the type's component messages. */
    static String messageSuffix(String type) {
        if (!EventTypes.ALL.contains(type)) {
            throw new IllegalArgumentException("not an event type: " + type);
        }
        StringBuilder suffix = new StringBuilder();
        for (String word : type.replaceFirst("^escrow:", "").split("[:_]")) {
            suffix.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return suffix.toString();
    }

    private List<String> problems(String pointer, JsonNode value) {
        Schema schema = schemas.computeIfAbsent(pointer, p -> REGISTRY.getSchema(SchemaLocation.of(DOCUMENT + "#" + p)));
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(value)) {
            problems.add(error.toString());
        }
        return problems;
    }
}
