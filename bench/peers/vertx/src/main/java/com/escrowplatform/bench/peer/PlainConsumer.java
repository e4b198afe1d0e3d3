package com.escrowplatform.bench.peer;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Comparison baseline for the benchmarks, not part of the service: the floor of the "Kafka record → client"
 * hop. A plain {@code KafkaConsumer} with no group assigns every partition of the topic, seeks to the end and,
 * for every record, takes now − {@code benchSentAtMs} of its value, as the load generator's clients do. No
 * sockets, no frames: whatever a gateway adds on top of this is its own cost.
 *
 * <p>Driven by the load generator over stdin, one JSON command per line, each answered by one JSON line on
 * stdout: {@code {"cmd":"count"}} → {@code "event":"count"} (records of the current step so far);
 * {@code {"cmd":"report","step","next"}} → {@code "event":"report"} with the step's count, p50, p99, p99.9 and
 * max, records per room, duplicates and the latency histogram in the load generator's form
 * ({@code bench/loadgen/stats.mjs}: 1% buckets over microseconds), then counts only records of step
 * {@code next}. End of stdin (the runner gone) stops it. stdout also carries one {@code started} and one
 * {@code stopped} line.
 */
public final class PlainConsumer {

    private static final double GROWTH = Math.log(1.01);

    // Guarded by this: the poll thread records, the command thread reports and resets.
    private Map<Integer, Long> buckets = new HashMap<>();
    private long count;
    private double max;
    private Map<String, Long> received = new TreeMap<>();
    private long duplicates;
    private long strays;
    private String currentStep;
    private final Map<String, Long> lastVersion = new HashMap<>(); // per escrow, across steps
    private long records;
    private long badRecords;

    private final String run;

    private PlainConsumer(String run) {
        this.run = run;
    }

    /** Epoch ms with a fraction, from the system clock the load generator's processes read too. */
    private static double nowMs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1000.0 + now.getNano() / 1e6;
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record, double receivedAt) {
        JsonObject data;
        try {
            data = record.value() == null || record.key() == null ? null : new JsonObject(Buffer.buffer(record.value()));
        } catch (DecodeException | ClassCastException e) {
            data = null;
        }
        synchronized (this) {
            records++;
            if (data == null || !(data.getValue("benchSentAtMs") instanceof Number sentAt)) {
                badRecords++;
                return;
            }
            if (run != null && !run.equals(data.getValue("benchRun"))) {
                return;
            }
            if (currentStep == null || !currentStep.equals(data.getValue("benchStep"))) {
                strays++;
                return;
            }
            double ms = Math.max(0, receivedAt - sentAt.doubleValue());
            buckets.merge((int) Math.floor(Math.log1p(ms * 1000) / GROWTH), 1L, Long::sum);
            count++;
            max = Math.max(max, ms);
            String key = new String(record.key(), StandardCharsets.UTF_8);
            received.merge("escrow:" + key, 1L, Long::sum);
            long version = data.getValue("version") instanceof Number v ? v.longValue() : 0;
            Long last = lastVersion.put(key, version);
            if (last != null && version <= last) {
                duplicates++;
            }
        }
    }

    /** As Histogram.quantile in stats.mjs: the upper edge of the bucket holding rank ⌈q·count⌉, capped at max. */
    private double quantile(TreeMap<Integer, Long> sorted, double q) {
        long rank = (long) Math.ceil(q * count);
        long seen = 0;
        for (Map.Entry<Integer, Long> bucket : sorted.entrySet()) {
            seen += bucket.getValue();
            if (seen >= rank) {
                return Math.min(max, Math.expm1((bucket.getKey() + 1) * GROWTH) / 1000);
            }
        }
        return max;
    }

    private static Double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private synchronized Map<String, Object> report(String step, String next) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "report");
        line.put("step", step);
        TreeMap<Integer, Long> sorted = new TreeMap<>(buckets);
        line.put("count", count);
        line.put("p50", count == 0 ? null : round3(quantile(sorted, 0.5)));
        line.put("p99", count == 0 ? null : round3(quantile(sorted, 0.99)));
        line.put("p999", count == 0 ? null : round3(quantile(sorted, 0.999)));
        line.put("max", count == 0 ? null : round3(max));
        line.put("held", 0);
        line.put("lost", Map.of());
        line.put("duplicates", duplicates);
        line.put("strays", strays);
        line.put("received", received);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("count", count);
        latency.put("max", max);
        Map<String, Long> json = new LinkedHashMap<>();
        sorted.forEach((index, n) -> json.put(Integer.toString(index), n));
        latency.put("buckets", json);
        line.put("latency", latency);
        line.put("clockOffsetMs", 0); // Instant.now() reads the system clock itself
        buckets = new HashMap<>();
        count = 0;
        max = 0;
        received = new TreeMap<>();
        duplicates = 0;
        strays = 0;
        currentStep = next;
        return line;
    }

    private synchronized Map<String, Object> totals() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("records", records);
        m.put("badRecords", badRecords);
        return m;
    }

    private static synchronized void printJson(Map<String, Object> fields) {
        JsonObject line = new JsonObject().put("peer", "plain-consumer").put("ts", System.currentTimeMillis());
        fields.forEach(line::put);
        System.out.println(line.encode());
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        String kafka = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        String topic = System.getenv().getOrDefault("PEER_TOPIC", "escrow.events");
        String run = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value;
            int eq = flag.indexOf('=');
            if (eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                System.err.println("flag " + flag + " needs a value");
                System.exit(2);
                return;
            }
            switch (flag) {
                case "--kafka" -> kafka = value;
                case "--topic" -> topic = value;
                case "--run" -> run = value;
                default -> {
                    System.err.println("unknown flag " + flag + " (--kafka, --topic, --run)");
                    System.exit(2);
                    return;
                }
            }
        }
        PlainConsumer self = new PlainConsumer(run);

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-plain-consumer-" + ProcessHandle.current().pid());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> assigned = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            assigned.add(new TopicPartition(info.topic(), info.partition()));
        }
        if (assigned.isEmpty()) {
            System.err.println("topic " + topic + " has no partitions");
            System.exit(1);
        }
        consumer.assign(assigned);
        consumer.seekToEnd(assigned);
        for (TopicPartition tp : assigned) {
            consumer.position(tp, Duration.ofSeconds(30)); // the end is fixed before the start line
        }

        // Commands on stdin; its end means the runner is gone, and so is this process.
        Thread commands = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String text;
                while ((text = in.readLine()) != null) {
                    if (text.isBlank()) {
                        continue;
                    }
                    JsonObject command = new JsonObject(text);
                    switch (command.getString("cmd", "")) {
                        case "count" -> {
                            long total;
                            synchronized (self) {
                                total = self.count;
                            }
                            printJson(Map.of("event", "count", "total", total));
                        }
                        case "report" -> printJson(self.report(command.getString("step"), command.getString("next")));
                        case "close" -> {
                            return;
                        }
                        default -> printJson(Map.of("event", "error", "message", "unknown command " + text));
                    }
                }
            } catch (Exception e) {
                System.err.println("stdin: " + e);
            } finally {
                consumer.wakeup();
            }
        }, "commands");
        commands.setDaemon(true);

        Map<String, Object> started = new LinkedHashMap<>();
        started.put("event", "started");
        started.put("pid", ProcessHandle.current().pid());
        started.put("kafka", kafka);
        started.put("topic", topic);
        started.put("partitions", assigned.size());
        started.put("java", System.getProperty("java.version"));
        printJson(started);
        commands.start();

        String reason = "stdin-closed";
        int status = 0;
        try {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    self.onRecord(record, nowMs());
                }
            }
        } catch (WakeupException e) {
            // the command thread ended: stdin closed or "close"
        } catch (Exception e) {
            System.err.println("kafka consumer failed: " + e);
            reason = "consumer-failed";
            status = 1;
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
        Map<String, Object> stopped = new LinkedHashMap<>();
        stopped.put("event", "stopped");
        stopped.put("reason", reason);
        stopped.putAll(self.totals());
        printJson(stopped);
        System.exit(status);
    }
}
