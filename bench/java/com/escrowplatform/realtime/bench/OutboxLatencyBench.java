package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.TopicReader;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * REST commit → Kafka latency of the outbox relay: for each event, the time from its row's creation
 * inside the committing transaction ({@code ce_time}) to a consumer holding the record, with the
 * consumer polling all the while. Prints percentiles; asserts only that every event arrived.
 *
 * <pre>./mvnw verify -Dtest=OutboxLatencyBench -Dbench.events=1000 -DskipITs</pre>
 *
 * The default size (50 events) is a smoke run that keeps this tool from rotting.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OutboxLatencyBench {
    private static final int EVENTS = Integer.getInteger("bench.events", 50);
    private static final int MILESTONES_PER_ESCROW = 100;

    @TestHTTPResource("/")
    URI base;

    @Test
    void measureRestCommitToKafkaLatency() throws Exception {
        int escrowCount = (EVENTS + MILESTONES_PER_ESCROW - 1) / MILESTONES_PER_ESCROW;
        List<EscrowScenario> escrows = new ArrayList<>();
        for (int i = 0; i < escrowCount; i++) {
            String[] amounts = new String[MILESTONES_PER_ESCROW];
            java.util.Arrays.fill(amounts, "1.00");
            escrows.add(EscrowScenario.funded(amounts));
        }
        Set<String> keys = new java.util.HashSet<>();
        escrows.forEach(e -> keys.add(e.id()));

        // ce_time is stamped by this same JVM's clock when the event row is written, inside the transaction
        Map<String, Instant> receivedAt = new ConcurrentHashMap<>();
        Map<String, Instant> createdAt = new ConcurrentHashMap<>();
        try (TopicReader reader = new TopicReader("escrow.events", keys)) {
            // the set-up events are read first and left out of the figures
            Set<String> setUp = new java.util.HashSet<>();
            reader.readUntil(read -> read.size() >= escrowCount * 5, Duration.ofSeconds(30))
                    .forEach(record -> setUp.add(header(record, "ce_id")));

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Thread writer = new Thread(() -> {
                try {
                    for (int n = 0; n < EVENTS; n++) {
                        EscrowScenario escrow = escrows.get(n / MILESTONES_PER_ESCROW);
                        String milestone = escrow.milestoneIds().get(n % MILESTONES_PER_ESCROW);
                        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/escrows/" + escrow.id()
                                + "/milestones/" + milestone + "/release"))
                                .header("Authorization", "Bearer " + TestTokens.forUser(escrow.buyer()))
                                .POST(HttpRequest.BodyPublishers.noBody()).build();
                        http.send(request, HttpResponse.BodyHandlers.discarding());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-writer");
            writer.start();
            reader.readUntil(read -> {
                Instant now = Instant.now();
                for (ConsumerRecord<String, byte[]> record : read) {
                    String id = header(record, "ce_id");
                    if (!setUp.contains(id) && receivedAt.putIfAbsent(id, now) == null) {
                        createdAt.put(id, Instant.parse(header(record, "ce_time")));
                    }
                }
                // a completing escrow adds its FUNDED→COMPLETED event to the releases
                return receivedAt.size() >= EVENTS;
            }, Duration.ofMinutes(5));
            writer.join();
        }
        double[] millis = receivedAt.entrySet().stream()
                .mapToDouble(e -> Duration.between(createdAt.get(e.getKey()), e.getValue()).toNanos() / 1e6).toArray();
        assertThat(millis.length).isGreaterThanOrEqualTo(EVENTS);
        System.out.printf("%nBENCH outbox REST-commit -> Kafka consumer latency (%d events, one sequential writer): %s%n%n",
                millis.length, new Percentiles(millis).summary(" ms"));
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
