package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.outbox.CloudEventRecords;
import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Kafka record → client latency and delivery rate of the native protocol: {@code bench.sockets} sockets
 * (support users) follow one escrow room; {@code bench.events} records are produced straight to Kafka at
 * {@code bench.rate} per second, each carrying its send time; every socket measures when each frame arrives.
 * Prints percentiles over all deliveries; asserts only that every socket got every event.
 *
 * <pre>./mvnw -B test -Dtest=FanOutLatencyBench -Dbench.sockets=2000 -Dbench.events=2000 -Dbench.rate=500</pre>
 *
 * Clients and server share this JVM and the machine's cores, so figures are an upper bound on the server's
 * own cost. The default size is a seconds-long smoke run.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class FanOutLatencyBench {
    private static final int SOCKETS = Integer.getInteger("bench.sockets", 50);
    private static final int EVENTS = Integer.getInteger("bench.events", 100);
    private static final int RATE = Integer.getInteger("bench.rate", 200);
    private static final String SENT_AT = "\"sentAtMicros\":";

    @TestHTTPResource("/")
    URI base;

    @Test
    void measureKafkaRecordToClientLatency() throws Exception {
        String escrowId = Api.createEscrow(Api.uniqueUser("buyer"), Api.uniqueUser("seller"), null, "1.00").then()
                .statusCode(201).extract().path("id");
        String room = "escrow:" + escrowId;
        long[][] latencyMicros = new long[SOCKETS][EVENTS];
        AtomicLong delivered = new AtomicLong();
        CountDownLatch everyoneHasEverything = new CountDownLatch(SOCKETS);
        HttpClient http = HttpClient.newHttpClient();
        List<WebSocket> sockets = new ArrayList<>();
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (int s = 0; s < SOCKETS; s++) {
            CompletableFuture<Void> ready = new CompletableFuture<>();
            subscribed.add(ready);
            Listener listener = new Listener(latencyMicros[s], delivered, everyoneHasEverything, ready);
            sockets.add(http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestTokens.support("bench-" + UUID.randomUUID()))
                    .buildAsync(URI.create("ws://127.0.0.1:" + base.getPort() + "/ws"), listener).join());
        }
        for (WebSocket socket : sockets) {
            socket.sendText("{\"op\":\"subscribe\",\"room\":\"" + room + "\"}", true);
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        // the baseline: a plain Kafka consumer of the same records, in the same JVM
        long[] kafkaOnlyMicros = new long[EVENTS];
        Thread baseline = baselineConsumer(escrowId, kafkaOnlyMicros);
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new ByteArraySerializer())) {
            long intervalNanos = 1_000_000_000L / RATE;
            for (int n = 0; n < EVENTS; n++) {
                long due = started + n * intervalNanos;
                // pacing the producer (not synchronisation); parking leaves both cores to the server and clients
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                String data = "{\"escrowId\":\"" + escrowId + "\",\"version\":" + (1000 + n) + ",\"seq\":" + n + ","
                        + SENT_AT + nowMicros() + "}";
                producer.send(CloudEventRecords.record("escrow.events", UUID.randomUUID().toString(),
                        "escrow:status_changed", "/bench", escrowId, Instant.now(), data, null));
            }
        }
        boolean complete = everyoneHasEverything.await(120, TimeUnit.SECONDS);
        baseline.join(30_000);
        double seconds = (System.nanoTime() - started) / 1e9;
        sockets.forEach(WebSocket::abort);
        assertThat(complete).as("every socket got every event (%d of %d deliveries)", delivered.get(),
                (long) SOCKETS * EVENTS).isTrue();

        double[] millis = new double[SOCKETS * EVENTS];
        for (int s = 0; s < SOCKETS; s++) {
            for (int n = 0; n < EVENTS; n++) {
                millis[s * EVENTS + n] = latencyMicros[s][n] / 1000.0;
            }
        }
        System.out.printf("%nBENCH fan-out: %d sockets x %d events at %d/s = %d deliveries in %.1f s (%.0f/s); "
                + "Kafka record -> client latency: %s%n%n", SOCKETS, EVENTS, RATE, delivered.get(), seconds,
                delivered.get() / seconds, new Percentiles(millis).summary(" ms"));
        double[] baselineMillis = java.util.Arrays.stream(kafkaOnlyMicros).mapToDouble(micros -> micros / 1000.0).toArray();
        System.out.printf("BENCH baseline: Kafka record -> plain consumer in the same JVM: %s%n%n",
                new Percentiles(baselineMillis).summary(" ms"));
    }

    /** Reads the bench's records with a group-less consumer and notes each one's latency; ends after the last. */
    private static Thread baselineConsumer(String escrowId, long[] latencyMicros) {
        org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                Map.of("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers(), "enable.auto.commit", false),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor("escrow.events").stream()
                .map(info -> new org.apache.kafka.common.TopicPartition("escrow.events", info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now, before the first record is produced
        Thread thread = new Thread(() -> {
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (seen < latencyMicros.length && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    String frame = new String(record.value(), StandardCharsets.UTF_8);
                    int at = frame.indexOf(SENT_AT);
                    if (escrowId.equals(record.key()) && at >= 0) {
                        int seq = (int) Listener.number(frame, frame.indexOf("\"seq\":") + 6);
                        latencyMicros[seq] = nowMicros() - Listener.number(frame, at + SENT_AT.length());
                        seen++;
                    }
                }
            }
            consumer.close();
        }, "bench-baseline-consumer");
        thread.start();
        return thread;
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /** Records each event's latency by its sequence number; parses only the two numbers it needs. */
    private static final class Listener implements WebSocket.Listener {
        private final long[] latencyMicros;
        private final AtomicLong delivered;
        private final CountDownLatch everyoneHasEverything;
        private final CompletableFuture<Void> subscribed;
        private final StringBuilder partial = new StringBuilder();
        private int received;

        Listener(long[] latencyMicros, AtomicLong delivered, CountDownLatch done, CompletableFuture<Void> subscribed) {
            this.latencyMicros = latencyMicros;
            this.delivered = delivered;
            this.everyoneHasEverything = done;
            this.subscribed = subscribed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                int at = frame.indexOf(SENT_AT);
                if (at >= 0) {
                    long sent = number(frame, at + SENT_AT.length());
                    int seq = (int) number(frame, frame.indexOf("\"seq\":") + 6);
                    latencyMicros[seq] = nowMicros() - sent;
                    delivered.incrementAndGet();
                    if (++received == latencyMicros.length) {
                        everyoneHasEverything.countDown();
                    }
                } else if (frame.contains("\"type\":\"subscribed\"")) {
                    subscribed.complete(null);
                }
            }
            socket.request(1);
            return null;
        }

        private static long number(String text, int from) {
            long value = 0;
            for (int i = from; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
                value = value * 10 + (text.charAt(i) - '0');
            }
            return value;
        }
    }
}
