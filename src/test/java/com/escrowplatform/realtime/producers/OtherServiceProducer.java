package com.escrowplatform.realtime.producers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How another service publishes an event to escrow-realtime's topics, written to be copied: it needs
 * {@code kafka-clients} only. Each event is a CloudEvents 1.0 record in binary mode: the attributes in
 * {@code ce_*} headers, the event's {@code data} JSON as the value, and the subject (escrow id or user id) as
 * both {@code ce_subject} and the key, so that one subject's events share a partition and keep their order.
 * {@code docs/producers.md} explains each rule and what becomes of a record that breaks one.
 */
public final class OtherServiceProducer implements AutoCloseable {
    /** Escrow events; the subject is the escrow id. */
    public static final String ESCROW_EVENTS = "escrow.events";
    /** {@code notification:new} events; the subject is the recipient's user id. */
    public static final String USER_NOTIFICATIONS = "user.notifications";

    private final KafkaProducer<String, byte[]> producer;
    private final String source;

    /**
     * @param bootstrapServers the Kafka cluster escrow-realtime reads
     * @param source           this service's {@code ce_source}, a URI reference such as {@code /payments}
     */
    public OtherServiceProducer(String bootstrapServers, String source) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, source.replaceAll("[^A-Za-z0-9._-]", ""));
        // acknowledged by every in-sync replica, and a retry never duplicates or reorders one subject's events
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.source = source;
    }

    /**
     * Publishes one event and waits until Kafka has it.
     *
     * @param topic    {@link #ESCROW_EVENTS} or {@link #USER_NOTIFICATIONS}
     * @param id       {@code ce_id}: unique per event and the same when the same event is sent again, since
     *                 the gateway drops a repeated id (derive it from what happened, not from the attempt)
     * @param type     {@code ce_type}, one of the contract's event types for that topic
     * @param subject  the escrow id or user id: {@code ce_subject} and the record key
     * @param dataJson the event's {@code data}, a JSON object
     */
    public RecordMetadata publish(String topic, String id, String type, String subject, String dataJson)
            throws InterruptedException, ExecutionException {
        return producer.send(record(topic, id, type, subject, dataJson)).get();
    }

    private ProducerRecord<String, byte[]> record(String topic, String id, String type, String subject,
            String dataJson) {
        Headers headers = new RecordHeaders()
                .add("ce_specversion", utf8("1.0"))
                .add("ce_id", utf8(id))
                .add("ce_type", utf8(type))
                .add("ce_source", utf8(source))
                .add("ce_subject", utf8(subject))
                .add("ce_time", utf8(OffsetDateTime.now(ZoneOffset.UTC).toString()))
                .add("content-type", utf8("application/json"));
        return new ProducerRecord<>(topic, null, subject, utf8(dataJson), headers);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
