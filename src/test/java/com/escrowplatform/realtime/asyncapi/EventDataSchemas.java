package com.escrowplatform.realtime.asyncapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

/**
 * The JSON Schema of each event type's {@code data}, read from the files the service serves beside its AsyncAPI
 * document ({@code META-INF/resources/asyncapi/schemas/}), so the tests check against the published description
 * itself. Formats ({@code uuid}, {@code date-time}) are asserted.
 */
final class EventDataSchemas {
    static final String DIRECTORY = "META-INF/resources/asyncapi/schemas/";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Map<String, Schema> schemas = new TreeMap<>();
    private final Map<String, JsonNode> documents = new TreeMap<>();

    EventDataSchemas() {
        for (String type : EventTypes.ALL) {
            JsonNode document = read(fileOf(type));
            documents.put(type, document);
            schemas.put(type, REGISTRY.getSchema(document));
        }
    }

    /** {@code escrow:status_changed} → {@code escrow-status-changed.json}. */
    static String fileOf(String type) {
        return type.replace(':', '-').replace('_', '-') + ".json";
    }

    /**
     * Everything wrong with {@code data} for {@code type}: the schema's errors, plus every field the schema does not
     * declare (the schemas let consumers ignore unknown fields, but the service must not send undocumented ones).
     */
    List<String> problems(String type, JsonNode data) {
        Schema schema = schemas.get(type);
        if (schema == null) {
            return List.of("no schema for the type '" + type + "'");
        }
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(data)) {
            problems.add(error.toString());
        }
        JsonNode declared = documents.get(type).path("properties");
        for (Iterator<String> names = data.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!declared.has(name)) {
                problems.add("/" + name + ": not declared by " + fileOf(type));
            }
        }
        return problems;
    }

    private static JsonNode read(String file) {
        try (InputStream in = EventDataSchemas.class.getClassLoader().getResourceAsStream(DIRECTORY + file)) {
            if (in == null) {
                throw new IllegalStateException("no schema " + DIRECTORY + file + " on the class path");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
