package com.escrowplatform.realtime.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Per-escrow order on Kafka while many writers change the same few escrows at once. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OutboxOrderingTest {
    private static final int ESCROWS = 5;
    private static final int MILESTONES = 100;
    private static final int WRITERS = 20;

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldPublishEachEscrowsVersionsOnceAndInOrderUnderConcurrentWriters() throws Exception {
        List<EscrowScenario> escrows = new ArrayList<>();
        String[] amounts = new String[MILESTONES];
        java.util.Arrays.fill(amounts, "1.00");
        for (int i = 0; i < ESCROWS; i++) {
            escrows.add(EscrowScenario.funded(amounts));
        }
        // every release is one event; the last of each escrow adds FUNDED→COMPLETED
        ConcurrentLinkedQueue<String[]> releases = new ConcurrentLinkedQueue<>();
        for (int m = 0; m < MILESTONES; m++) {
            for (EscrowScenario escrow : escrows) {
                releases.add(new String[] { escrow.buyer(), escrow.id(), escrow.milestoneIds().get(m) });
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        List<Future<List<Integer>>> results = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            results.add(writers.submit(() -> {
                List<Integer> statuses = new ArrayList<>();
                for (String[] release = releases.poll(); release != null; release = releases.poll()) {
                    HttpRequest request = HttpRequest.newBuilder(base.resolve(
                            "/api/escrows/" + release[1] + "/milestones/" + release[2] + "/release"))
                            .header("Authorization", "Bearer " + TestTokens.forUser(release[0]))
                            .POST(HttpRequest.BodyPublishers.noBody()).build();
                    statuses.add(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
                }
                return statuses;
            }));
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<List<Integer>> result : results) {
            statuses.addAll(result.get());
        }
        writers.shutdown();
        assertThat(statuses).hasSize(ESCROWS * MILESTONES).containsOnly(200);

        // created(1) + 2 joins + ACTIVE + FUNDED + 100 releases + COMPLETED
        int eventsPerEscrow = 5 + MILESTONES + 1;
        Set<String> keys = escrows.stream().map(EscrowScenario::id).collect(Collectors.toSet());
        List<ConsumerRecord<String, byte[]>> records;
        try (TopicReader reader = new TopicReader("escrow.events", keys)) {
            records = reader.readUntil(read -> read.size() >= ESCROWS * eventsPerEscrow, Duration.ofSeconds(60));
        }
        assertThat(records).hasSize(ESCROWS * eventsPerEscrow);

        Map<String, List<ConsumerRecord<String, byte[]>>> byEscrow = records.stream()
                .collect(Collectors.groupingBy(ConsumerRecord::key));
        Set<String> ceIds = new HashSet<>();
        for (String escrowId : keys) {
            List<Long> versions = byEscrow.get(escrowId).stream()
                    .map(r -> Json.parse(r.value()).path("version").asLong()).toList();
            List<Long> expected = java.util.stream.LongStream.rangeClosed(1, eventsPerEscrow).boxed().toList();
            assertThat(versions).as("versions of escrow %s in Kafka order", escrowId).isEqualTo(expected);
            for (ConsumerRecord<String, byte[]> record : byEscrow.get(escrowId)) {
                Map<String, String> headers = headers(record);
                assertThat(headers).containsEntry("ce_specversion", "1.0")
                        .containsEntry("ce_subject", escrowId)
                        .containsEntry("ce_source", "/escrow-realtime")
                        .containsEntry("content-type", "application/json")
                        .containsKeys("ce_id", "ce_type", "ce_time");
                assertThat(EventTypes.ESCROW_TYPES).contains(headers.get("ce_type"));
                assertThat(Instant.parse(headers.get("ce_time"))).isBefore(Instant.now());
                assertThat(ceIds.add(headers.get("ce_id"))).as("ce_id is unique").isTrue();
                JsonNode data = Json.parse(record.value());
                assertThat(data.path("escrowId").asText()).isEqualTo(escrowId);
                assertThat(data.has("occurredAt") && data.has("actorId")).isTrue();
            }
        }
    }

    static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        return java.util.stream.StreamSupport.stream(record.headers().spliterator(), false)
                .collect(Collectors.toMap(h -> h.key(), h -> new String(h.value(), java.nio.charset.StandardCharsets.UTF_8),
                        (a, b) -> b));
    }

}
