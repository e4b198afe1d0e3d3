package com.escrowplatform.realtime.tracing;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.socketio.RawEngineIoClient;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.ForeignRecords;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.TracingAndJsonLogs;
import com.escrowplatform.realtime.testsupport.WsClient;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * With tracing on, one REST change is one trace: the request's server span, the relay's send of its outbox row,
 * the live consumer's processing of the record, and a delivery span for each socket that got the event, on both
 * protocols. A record of another service that carries {@code traceparent} joins that service's trace.
 */
@QuarkusTest
@TestProfile(TracingAndJsonLogs.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EventTracingApiTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void forgetEarlierSpans() {
        spans.reset();
    }

    @Test
    void shouldTraceARestChangeThroughTheOutboxAndKafkaToEverySocketThatReceivesIt() {
        EscrowScenario escrow = EscrowScenario.funded("100.00", "50.00");
        String room = "escrow:" + escrow.id();
        try (WsClient buyer = WsClient.connect(base, TestTokens.forUser(escrow.buyer()));
                RawEngineIoClient seller = RawEngineIoClient.open(base, true)) {
            buyer.send(WsClient.subscribe(room, null, "s1"));
            buyer.nextMatching(frame -> "subscribed".equals(frame.path("type").asText()), WAIT);
            seller.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser(escrow.seller())));
            seller.nextMatching(packet -> packet.startsWith("40{"), WAIT);
            seller.send("421[\"subscribe\",{\"room\":\"" + room + "\"}]");
            seller.nextMatching(packet -> packet.startsWith("431["), WAIT);

            as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release"))
                    .then().statusCode(200);
            buyer.nextMatching(frame -> "escrow:milestone_released".equals(frame.path("type").asText()), WAIT);
            seller.nextMatching(packet -> packet.startsWith("42[\"escrow:milestone_released\""), WAIT);
        }

        SpanData request = awaitSpan(span -> span.getKind() == SpanKind.SERVER && span.getName().startsWith("POST")
                && span.getName().endsWith("/release"));
        String trace = request.getTraceId();
        SpanData nativeDelivery = awaitSpan(span -> isDelivery(span, trace, room, "native"));
        SpanData socketIoDelivery = awaitSpan(span -> isDelivery(span, trace, room, "socketio"));
        // a span is exported when it ends: the relay's send ends with Kafka's answer, which may come after the
        // consumer already delivered, so each parent is awaited, not looked up
        SpanData processing = awaitSpan(span -> span.getSpanId().equals(nativeDelivery.getParentSpanId()));
        assertThat(processing.getName()).isEqualTo("process escrow.events");
        assertThat(processing.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(socketIoDelivery.getParentSpanId()).isEqualTo(processing.getSpanId());
        SpanData sending = awaitSpan(span -> span.getSpanId().equals(processing.getParentSpanId()));
        // and each party's notification went the same way, through user.notifications
        awaitSpan(span -> span.getTraceId().equals(trace) && span.getName().equals("send user.notifications"));
        List<SpanData> ofTrace = spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(trace))
                .toList();

        assertThat(sending.getName()).isEqualTo("send escrow.events");
        assertThat(sending.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(sending.getAttributes().get(MESSAGE_ID)).isNotNull()
                .isEqualTo(processing.getAttributes().get(MESSAGE_ID));
        // the row was written inside the request: its span, or one of its children, is the send's parent
        assertThat(ancestors(sending, ofTrace)).extracting(SpanData::getSpanId).contains(request.getSpanId());
        assertThat(nativeDelivery.getEndEpochNanos()).isGreaterThanOrEqualTo(processing.getStartEpochNanos());
    }

    @Test
    void shouldJoinTheTraceOfARecordFromAnotherServiceThatCarriesOne() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded("100.00");
        String room = "escrow:" + escrow.id();
        String theirTrace = hex(32);
        String theirSpan = hex(16);
        try (WsClient buyer = WsClient.connect(base, TestTokens.forUser(escrow.buyer()));
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer())) {
            buyer.send(WsClient.subscribe(room, null, "s1"));
            buyer.nextMatching(frame -> "subscribed".equals(frame.path("type").asText()), WAIT);

            String data = "{\"escrowId\":\"" + escrow.id() + "\",\"version\":7070,\"from\":\"FUNDED\","
                    + "\"to\":\"DISPUTED\",\"occurredAt\":\"" + Instant.now() + "\",\"actorId\":\"other-service\"}";
            ProducerRecord<String, byte[]> record = ForeignRecords.cloudEvent("escrow.events",
                    "traced-" + UUID.randomUUID(), "escrow:status_changed", escrow.id(), escrow.id(),
                    ForeignRecords.utf8(data));
            String theirs = "00-" + theirTrace + "-" + theirSpan + "-01";
            record.headers().add(EventTracing.TRACEPARENT, ForeignRecords.utf8(theirs));
            producer.send(record).get();
            buyer.nextMatching(frame -> frame.path("data").path("version").asLong() == 7070, WAIT);
        }

        SpanData delivery = awaitSpan(span -> isDelivery(span, theirTrace, room, "native"));
        SpanData processing = awaitSpan(span -> span.getSpanId().equals(delivery.getParentSpanId()));
        assertThat(processing.getName()).isEqualTo("process escrow.events");
        assertThat(processing.getParentSpanId()).isEqualTo(theirSpan);
        assertThat(processing.getTraceId()).isEqualTo(theirTrace);
    }

    private SpanData awaitSpan(Predicate<SpanData> wanted) {
        return Awaitility.await().atMost(WAIT).until(
                () -> spans.getFinishedSpanItems().stream().filter(wanted).findFirst(), Optional::isPresent).get();
    }

    private static boolean isDelivery(SpanData span, String trace, String room, String protocol) {
        Map<AttributeKey<?>, Object> attributes = span.getAttributes().asMap();
        return span.getTraceId().equals(trace) && span.getName().equals(EventTrace.DELIVER)
                && room.equals(attributes.get(EventTracing.ROOM))
                && protocol.equals(attributes.get(EventTracing.PROTOCOL));
    }

    private static List<SpanData> ancestors(SpanData span, List<SpanData> candidates) {
        List<SpanData> found = new ArrayList<>();
        for (SpanData at = span; ; ) {
            String parent = at.getParentSpanId();
            Optional<SpanData> next = candidates.stream().filter(candidate -> candidate.getSpanId().equals(parent))
                    .findFirst();
            if (next.isEmpty()) {
                return found;
            }
            found.add(next.get());
            at = next.get();
        }
    }

    private static String hex(int digits) {
        StringBuilder text = new StringBuilder(digits);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (text.length() < digits) {
            text.append(Character.forDigit(random.nextInt(16), 16));
        }
        return text.toString();
    }
}
