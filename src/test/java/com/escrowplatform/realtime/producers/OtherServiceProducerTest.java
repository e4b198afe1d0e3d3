package com.escrowplatform.realtime.producers;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.TopicReader;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The example of {@code docs/producers.md}, run: {@link OtherServiceProducer} publishes as another service
 * would, and a subscribed {@code /ws} client receives the event; a record that breaks the contract reaches no
 * client and is copied to {@code escrow.events.dlq} with the reason the guide names.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OtherServiceProducerTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ACTOR = "payments-service";

    @TestHTTPResource("/")
    URI base;

    OtherServiceProducer producer;

    @BeforeEach
    void startProducer() {
        producer = new OtherServiceProducer(TestInfrastructure.kafka().bootstrapServers(), "/payments");
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    // An escrow event and a notification from the example producer reach the subscribed party as frames with the data sent.
    @Test
    void shouldDeliverTheExampleProducersEventsToASubscribedClient() throws Exception {
        EscrowScenario escrow = EscrowScenario.pending();
        String escrowRoom = "escrow:" + escrow.id();
        String userRoom = "user:" + escrow.buyer();
        try (WsClient buyer = subscribed(escrow.buyer(), escrowRoom)) {
            ObjectNode released = escrowData(escrow.id(), 7).put("milestoneId", escrow.milestoneIds().get(0));
            released.putObject("amount").put("amount", "100.00").put("currency", "USD");
            producer.publish(OtherServiceProducer.ESCROW_EVENTS, "payments-" + UUID.randomUUID(),
                    "escrow:milestone_released", escrow.id(), released.toString());

            JsonNode frame = buyer.nextMatching(fromActor(escrowRoom), WAIT);
            assertThat(frame.path("type").asText()).isEqualTo("escrow:milestone_released");
            assertThat(frame.path("data")).isEqualTo(released);
            assertThat(frame.path("id").asText()).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9_-]+");

            ObjectNode notification = Json.MAPPER.createObjectNode().put("notificationId", UUID.randomUUID().toString())
                    .put("userId", escrow.buyer()).put("escrowId", escrow.id()).put("kind", "escrow:milestone_released")
                    .put("title", "Payout sent").put("body", "100.00 USD is on its way")
                    .put("createdAt", Instant.now().toString());
            producer.publish(OtherServiceProducer.USER_NOTIFICATIONS, "payments-" + UUID.randomUUID(),
                    "notification:new", escrow.buyer(), notification.toString());

            JsonNode notified = buyer.nextMatching(inRoom(userRoom), WAIT);
            assertThat(notified.path("type").asText()).isEqualTo("notification:new");
            assertThat(notified.path("data")).isEqualTo(notification);
        }
    }

    // A record with a type the topic does not carry is not delivered, the next one is, and the bad one is in
    // escrow.events.dlq once: same key, value and headers, plus the reason and where it came from.
    @Test
    void shouldDeadLetterAnInvalidEventWithItsReasonAndGoOnDelivering() throws Exception {
        EscrowScenario escrow = EscrowScenario.pending();
        String room = "escrow:" + escrow.id();
        double malformedBefore = metric("escrow_gateway_records_malformed_total").orElse(0);
        try (WsClient buyer = subscribed(escrow.buyer(), room)) {
            String badId = "payments-" + UUID.randomUUID();
            String badData = escrowData(escrow.id(), 8).toString();
            RecordMetadata bad = producer.publish(OtherServiceProducer.ESCROW_EVENTS, badId, "escrow:payout_sent",
                    escrow.id(), badData);
            ObjectNode next = escrowData(escrow.id(), 9).put("from", "PENDING").put("to", "CANCELLED");
            producer.publish(OtherServiceProducer.ESCROW_EVENTS, "payments-" + UUID.randomUUID(),
                    "escrow:status_changed", escrow.id(), next.toString());

            // same key, same partition, in order: had the bad record been delivered, its frame would come first
            JsonNode frame = buyer.nextMatching(fromActor(room), WAIT);
            assertThat(frame.path("data")).isEqualTo(next);

            try (TopicReader dlq = new TopicReader("escrow.events.dlq", r -> badId.equals(header(r.headers(), "ce_id")))) {
                dlq.readUntil(read -> !read.isEmpty(), WAIT);
                List<ConsumerRecord<String, byte[]>> copies = dlq.readToCurrentEnd(WAIT);
                assertThat(copies).hasSize(1);
                ConsumerRecord<String, byte[]> copy = copies.get(0);
                assertThat(header(copy.headers(), "dead-letter-reason"))
                        .isEqualTo("ce_type 'escrow:payout_sent' is not an event type of this topic");
                assertThat(header(copy.headers(), "dead-letter-topic")).isEqualTo("escrow.events");
                assertThat(header(copy.headers(), "dead-letter-partition")).isEqualTo(String.valueOf(bad.partition()));
                assertThat(header(copy.headers(), "dead-letter-offset")).isEqualTo(String.valueOf(bad.offset()));
                assertThat(copy.key()).isEqualTo(escrow.id());
                assertThat(new String(copy.value(), StandardCharsets.UTF_8)).isEqualTo(badData);
                assertThat(header(copy.headers(), "ce_type")).isEqualTo("escrow:payout_sent");
                assertThat(header(copy.headers(), "ce_source")).isEqualTo("/payments");
            }
            Awaitility.await("the malformed record counted").atMost(WAIT)
                    .until(() -> metric("escrow_gateway_records_malformed_total").orElse(0) > malformedBefore);
            assertThat(buyer.pending()).noneMatch(fromActor(room));
        }
    }

    private WsClient subscribed(String user, String room) {
        WsClient client = WsClient.connect(base, TestTokens.forUser(user));
        assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");
        client.send(WsClient.subscribe(room, null, "s1"));
        assertThat(client.nextMatching(f -> "subscribed".equals(f.path("type").asText()), WAIT).path("room").asText())
                .isEqualTo(room);
        return client;
    }

    /** Escrow data as the contract gives it to every escrow event; the actor tells this service's frames apart. */
    private static ObjectNode escrowData(String escrowId, int version) {
        return Json.MAPPER.createObjectNode().put("escrowId", escrowId).put("version", version)
                .put("occurredAt", Instant.now().toString()).put("actorId", ACTOR);
    }

    /** Frames of the room sent by the example producer (not the escrow's own creation event, which may come live). */
    private static Predicate<JsonNode> fromActor(String room) {
        return inRoom(room).and(frame -> ACTOR.equals(frame.path("data").path("actorId").asText()));
    }

    private static Predicate<JsonNode> inRoom(String room) {
        return frame -> room.equals(frame.path("room").asText());
    }

    private static String header(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
