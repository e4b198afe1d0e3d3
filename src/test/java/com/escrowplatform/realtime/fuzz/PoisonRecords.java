package com.escrowplatform.realtime.fuzz;

import static com.escrowplatform.realtime.testsupport.ForeignRecords.cloudEvent;
import static com.escrowplatform.realtime.testsupport.ForeignRecords.utf8;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TopicReader;

/**
 * Records "other services" produce to {@code escrow.events} that break CONTRACT 4's shape. Each must land once in
 * {@code escrow.events.dlq} with the reason {@code CloudEventShape} gives (header {@code dead-letter-reason}), and
 * never reach a client. Each carries a {@value #INPUT_HEADER} header, kept on the dead-letter copy, to find it
 * there (a record without {@code ce_id} has no other name). A value over the broker's message.max.bytes (1 MiB by
 * default, which our topics inherit) never enters the topic: the broker refuses it.
 */
final class PoisonRecords {
    static final String TOPIC = "escrow.events";
    static final String INPUT_HEADER = "fuzz-input";
    static final String REASON_HEADER = "dead-letter-reason";
    static final int HUGE_VALUE_BYTES = 5 * 1024 * 1024;
    static final int NEAR_LIMIT_VALUE_BYTES = 900 * 1024;

    /** One poison record and the words its dead-letter reason must contain (null: the broker must refuse it). */
    private record Poison(String inputId, String kind, ProducerRecord<String, byte[]> record, String reason) {
    }

    private final String runId;
    private final List<Poison> toDeadLetter = new ArrayList<>();

    PoisonRecords(String runId) {
        this.runId = runId;
    }

    /** Produces {@code count} poison records, some keyed like the legitimate stream (one partition with it). */
    void produce(KafkaProducer<String, byte[]> producer, Random random, int count, String legitKey, Tally tally,
            long deadlineNanos) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int n = 0; n < count && System.nanoTime() < deadlineNanos; n++) {
            Poison poison = next(random, n, random.nextBoolean() ? legitKey : UUID.randomUUID().toString());
            poison.record().headers().add(INPUT_HEADER, utf8(poison.inputId()));
            Future<RecordMetadata> ack = producer.send(poison.record());
            if (poison.reason() == null) {
                tally.record("kafka:" + poison.kind(), describe(poison), brokerAnswer(ack), Set.of("kafka:refused:RecordTooLargeException"));
            } else {
                toDeadLetter.add(poison);
                acks.add(ack);
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            String answer = brokerAnswer(ack);
            if (!answer.equals("kafka:accepted")) {
                tally.record("kafka:produce", "-", answer, Set.of("kafka:accepted"));
            }
        }
    }

    /** Reads the DLQ until every produced poison record is there, and records each one's answer. */
    void verifyDeadLettered(Tally tally, Duration wait) {
        Set<String> expected = toDeadLetter.stream().map(Poison::inputId).collect(Collectors.toSet());
        try (TopicReader dlq = new TopicReader(TOPIC + ".dlq", record -> {
            String id = header(record.headers(), INPUT_HEADER);
            return id != null && id.startsWith(runId + "-");
        })) {
            try {
                dlq.readUntil(read -> read.stream().map(r -> header(r.headers(), INPUT_HEADER)).collect(Collectors.toSet())
                        .containsAll(expected), wait);
            } catch (org.awaitility.core.ConditionTimeoutException notAllThere) {
                // recorded below, per missing record
            }
            Map<String, List<ConsumerRecord<String, byte[]>>> copies = dlq.readToCurrentEnd(wait).stream()
                    .collect(Collectors.groupingBy(r -> header(r.headers(), INPUT_HEADER)));
            for (Poison poison : toDeadLetter) {
                List<ConsumerRecord<String, byte[]>> found = copies.getOrDefault(poison.inputId(), List.of());
                String answer;
                if (found.size() != 1) {
                    answer = "dlq:copies=" + found.size();
                } else {
                    String reason = header(found.get(0).headers(), REASON_HEADER);
                    answer = reason != null && reason.contains(poison.reason()) ? "dlq:" + poison.reason() : "dlq:" + reason;
                }
                tally.record("kafka:" + poison.kind(), describe(poison), answer, Set.of("dlq:" + poison.reason()));
            }
        }
    }

    private Poison next(Random random, int n, String key) {
        String inputId = runId + "-" + n;
        String ceId = "poison-" + inputId;
        Function<byte[], ProducerRecord<String, byte[]>> valid = value -> cloudEvent(TOPIC, ceId, "escrow:status_changed", key,
                key, value);
        byte[] data = utf8(data(key, 1 + random.nextInt(1000)));
        switch (random.nextInt(17)) {
            case 0:
                return new Poison(inputId, "missing-specversion", without(valid.apply(data), "ce_specversion"), "ce_specversion must be 1.0");
            case 1:
                return new Poison(inputId, "wrong-specversion", replaced(valid.apply(data), "ce_specversion", "0.3"),
                        "ce_specversion must be 1.0");
            case 2:
                return new Poison(inputId, "missing-ce-id", without(valid.apply(data), "ce_id"), "ce_id is missing");
            case 3:
                return new Poison(inputId, "missing-ce-type", without(valid.apply(data), "ce_type"), "ce_type 'null'");
            case 4:
                return new Poison(inputId, "unknown-ce-type", replaced(valid.apply(data), "ce_type",
                        random.nextBoolean() ? "notification:new" : "escrow:" + Garbage.printable(random, 8)),
                        "is not an event type of this topic");
            case 5:
                return new Poison(inputId, "missing-ce-source", without(valid.apply(data), "ce_source"), "ce_source is missing");
            case 6:
                return new Poison(inputId, "subject-not-key", replaced(valid.apply(data), "ce_subject", UUID.randomUUID().toString()),
                        "ce_subject must equal the record key");
            case 7:
                return new Poison(inputId, "bad-ce-time", replaced(valid.apply(data), "ce_time", Garbage.printable(random, 12)),
                        "ce_time is not an RFC 3339 timestamp");
            case 8:
                return new Poison(inputId, "wrong-content-type", replaced(valid.apply(data), "content-type",
                        random.nextBoolean() ? "text/plain" : "application/avro"), "content-type must be application/json");
            case 9:
                return new Poison(inputId, "bad-json", valid.apply(utf8("{\"escrowId\":\"" + key + "\", version: "
                        + Garbage.printable(random, 20))), "the value is not a JSON object");
            case 10:
                return new Poison(inputId, "invalid-utf8-value", valid.apply(Garbage.invalidUtf8(random, 1 + random.nextInt(100))),
                        "the value is not a JSON object");
            case 11:
                String[] notObjects = { "[1,2]", "\"x\"", "42", "null", "" };
                return new Poison(inputId, "value-not-an-object", valid.apply(utf8(notObjects[random.nextInt(notObjects.length)])),
                        "the value is not a JSON object");
            case 12:
                return new Poison(inputId, "missing-key", cloudEvent(TOPIC, ceId, "escrow:status_changed", null, key, data),
                        "the key must be the subject");
            case 13:
                return new Poison(inputId, "escrow-id-not-key", valid.apply(utf8(data(UUID.randomUUID().toString(), 3))),
                        "data.escrowId must equal the record key");
            case 14:
                return new Poison(inputId, "bad-version", valid.apply(utf8(Json.MAPPER.createObjectNode().put("escrowId", key)
                        .put("version", random.nextBoolean() ? "-3" : "many").toString())), "data.version must be a positive integer");
            case 15:
                // near the broker's limit, and not JSON: it must be read, judged and copied like a small one
                return new Poison(inputId, "near-limit-value", valid.apply(utf8("{\"escrowId\":\"" + key + "\",\"pad\":\""
                        + "p".repeat(NEAR_LIMIT_VALUE_BYTES))), "the value is not a JSON object");
            default:
                return new Poison(inputId, "5mb-value", valid.apply(utf8("{\"escrowId\":\"" + key + "\",\"pad\":\""
                        + "p".repeat(HUGE_VALUE_BYTES) + "\"}")), null);
        }
    }

    private static String data(String escrowId, long version) {
        return Json.MAPPER.createObjectNode().put("escrowId", escrowId).put("version", version).put("from", "PENDING")
                .put("to", "CANCELLED").put("occurredAt", Instant.now().toString()).put("actorId", "poison").toString();
    }

    private static ProducerRecord<String, byte[]> without(ProducerRecord<String, byte[]> record, String header) {
        record.headers().remove(header);
        return record;
    }

    private static ProducerRecord<String, byte[]> replaced(ProducerRecord<String, byte[]> record, String header, String value) {
        record.headers().remove(header);
        record.headers().add(header, value.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static String brokerAnswer(Future<RecordMetadata> ack) {
        try {
            ack.get(30, TimeUnit.SECONDS);
            return "kafka:accepted";
        } catch (ExecutionException e) {
            return "kafka:refused:" + e.getCause().getClass().getSimpleName();
        } catch (TimeoutException e) {
            return "kafka:no answer within 30 s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "kafka:interrupted";
        }
    }

    private static String describe(Poison poison) {
        StringBuilder out = new StringBuilder("key=").append(poison.record().key()).append(" headers={");
        for (Header header : poison.record().headers()) {
            out.append(header.key()).append('=').append(Tally.abbreviate(new String(header.value(), StandardCharsets.UTF_8))).append(' ');
        }
        byte[] value = poison.record().value();
        return out.append("} value=").append(value == null ? "null" : value.length + " bytes").toString();
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
