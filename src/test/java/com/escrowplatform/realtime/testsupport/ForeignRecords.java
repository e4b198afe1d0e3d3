package com.escrowplatform.realtime.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records that another service produces straight to our topics (CONTRACT 4): CloudEvents binary mode, the
 * attributes in {@code ce_*} headers and the JSON data as the value. Tests take one and break it where they
 * need a malformed record.
 */
public final class ForeignRecords {
    public static final String SOURCE = "/other-service";

    private ForeignRecords() {
    }

    /** A record for {@code topic}, left to the producer's partitioner (by {@code key}). */
    public static ProducerRecord<String, byte[]> cloudEvent(String topic, String ceId, String type, String key,
            String subject, byte[] value) {
        return cloudEvent(topic, null, ceId, type, key, subject, value);
    }

    /** A record for {@code topic}, written to {@code partition} when it is not null. */
    public static ProducerRecord<String, byte[]> cloudEvent(String topic, Integer partition, String ceId, String type,
            String key, String subject, byte[] value) {
        Headers headers = new RecordHeaders()
                .add("ce_specversion", utf8("1.0"))
                .add("ce_id", utf8(ceId))
                .add("ce_type", utf8(type))
                .add("ce_source", utf8(SOURCE))
                .add("ce_subject", utf8(subject))
                .add("ce_time", utf8(Instant.now().toString()))
                .add("content-type", utf8("application/json"));
        return new ProducerRecord<>(topic, partition, key, value, headers);
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
