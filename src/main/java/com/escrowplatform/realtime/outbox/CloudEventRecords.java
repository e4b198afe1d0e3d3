package com.escrowplatform.realtime.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import com.escrowplatform.realtime.tracing.EventTracing;

/**
 * CloudEvents 1.0 in Kafka binary mode (CONTRACT 4): the attributes travel as {@code ce_*} headers, the
 * value is the event's {@code data} JSON, and the key is the subject (escrow id or user id). A traced event also
 * carries W3C {@code traceparent} (docs/producers.md).
 */
public final class CloudEventRecords {
    public static final String SPECVERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String SUBJECT = "ce_subject";
    public static final String TIME = "ce_time";
    public static final String CONTENT_TYPE = "content-type";
    public static final String JSON = "application/json";

    private CloudEventRecords() {
    }

    /** @param traceparent the W3C trace context the record continues, or null: then it carries none */
    public static ProducerRecord<String, byte[]> record(String topic, String id, String type, String source,
            String subject, Instant time, String dataJson, String traceparent) {
        Headers headers = new RecordHeaders()
                .add(SPECVERSION, utf8("1.0"))
                .add(ID, utf8(id))
                .add(TYPE, utf8(type))
                .add(SOURCE, utf8(source))
                .add(SUBJECT, utf8(subject))
                .add(TIME, utf8(time.toString()))
                .add(CONTENT_TYPE, utf8(JSON));
        if (traceparent != null) {
            headers.add(EventTracing.TRACEPARENT, utf8(traceparent));
        }
        return new ProducerRecord<>(topic, null, subject, utf8(dataJson), headers);
    }

    /** A header's value as text, or null when absent. */
    public static String header(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
