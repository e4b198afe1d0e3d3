package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.BadTokens;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Who gets in through {@code /ws} (CONTRACT 1 and 5): every refused token kind through every token carrier is an
 * HTTP 401 problem before any socket exists, and leaves nothing behind; what a connected user may follow, whatever
 * {@code lastEventId} it presents. Runs with the edge policy profile (query token on, one allowed Origin, two
 * connections per user), so that it shares the application with {@link GatewayEdgePolicyTest}.
 */
@QuarkusTest
@TestProfile(GatewayEdgePolicyTest.StrictEdge.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeAuthMatrixTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final String REFUSED_401 = "escrow_gateway_upgrades_refused_total{status=\"401\"";
    static final String REFUSED_403 = "escrow_gateway_upgrades_refused_total{status=\"403\"";
    /** The gauges of what a socket holds: none of them may move for a refused upgrade. */
    static final List<String> SOCKET_GAUGES = List.of("escrow_gateway_sockets", "escrow_gateway_subscriptions",
            "escrow_gateway_rooms");

    /** Quarkus' {@code quarkus.http.limits.max-initial-line-length}: a longer request line is a 414. */
    static final int MAX_REQUEST_LINE = 4096;

    @TestHTTPResource("/")
    URI base;

    /** How a client hands its token to the upgrade (CONTRACT 5). */
    enum Carrier {
        AUTHORIZATION_HEADER(token -> new Upgrade("/ws", Map.of("Authorization", "Bearer " + token))),
        SUBPROTOCOL(token -> new Upgrade("/ws", Map.of("Sec-WebSocket-Protocol",
                "escrow.v1, quarkus-http-upgrade#Authorization#Bearer%20" + token))),
        ACCESS_TOKEN_QUERY(token -> new Upgrade("/ws?access_token=" + token, Map.of()));

        final Function<String, Upgrade> request;

        Carrier(Function<String, Upgrade> request) {
            this.request = request;
        }
    }

    record Upgrade(String pathAndQuery, Map<String, String> headers) {
    }

    static Stream<Arguments> badTokensByCarrier() {
        return Stream.of(Carrier.values()).flatMap(carrier -> BadTokens.all().stream()
                .map(kind -> Arguments.of(carrier, kind)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badTokensByCarrier")
    void shouldRefuseTheUpgradeWith401AndLeaveNothingBehind(Carrier carrier, BadTokens.Kind kind) {
        String user = Api.uniqueUser("intruder");
        Map<String, Double> before = socketGauges();
        double refusedBefore = Metrics.metric(REFUSED_401).orElse(0);

        Upgrade request = carrier.request.apply(kind.forUser().apply(user));
        RawWebSocket.Upgrade answer = RawWebSocket.upgrade(base, request.pathAndQuery(), request.headers());

        if (carrier == Carrier.ACCESS_TOKEN_QUERY && request.pathAndQuery().length() > MAX_REQUEST_LINE) {
            // refused by the HTTP server before anything reads the token (docs/errors.md)
            assertThat(answer.status()).as("status of the upgrade").isEqualTo(414);
            Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(socketGauges()).isEqualTo(before));
            assertTheUsersConnectionSlotsAreFree(user);
            return;
        }
        assertThat(answer.status()).as("status of the upgrade").isEqualTo(401);
        assertThat(answer.headers()).containsEntry("www-authenticate", "Bearer")
                .containsEntry("content-type", "application/problem+json");
        JsonNode problem = Json.parse(answer.body());
        assertThat(problem.path("code").asText()).isEqualTo("unauthorized");
        assertThat(problem.path("status").asInt()).isEqualTo(401);
        assertThat(Metrics.metric(REFUSED_401).orElseThrow()).as("refused upgrades counted")
                .isEqualTo(refusedBefore + 1);
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(socketGauges()).isEqualTo(before));
        assertTheUsersConnectionSlotsAreFree(user);
    }

    /**
     * The browser's carrier from a page of another site (cross-site WebSocket hijacking with the user's token):
     * refused with 403 before a socket exists, and counted.
     */
    @Test
    void shouldRefuseAValidTokenFromADisallowedOriginWith403AndLeaveNothingBehind() {
        String user = Api.uniqueUser("hijacked");
        Map<String, Double> before = socketGauges();
        double refusedBefore = Metrics.metric(REFUSED_403).orElse(0);
        for (Carrier carrier : Carrier.values()) {
            Upgrade request = carrier.request.apply(TestTokens.forUser(user));
            Map<String, String> headers = new java.util.HashMap<>(request.headers());
            headers.put("Origin", "https://evil.example");
            RawWebSocket.Upgrade answer = RawWebSocket.upgrade(base, request.pathAndQuery(), headers);
            assertThat(answer.status()).as("%s from another origin", carrier).isEqualTo(403);
        }
        assertThat(Metrics.metric(REFUSED_403).orElse(0)).as("refused upgrades counted")
                .isEqualTo(refusedBefore + Carrier.values().length);
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(socketGauges()).isEqualTo(before));
        assertTheUsersConnectionSlotsAreFree(user);
    }

    /**
     * CONTRACT 1 says nothing of {@code iat}; RFC 7519 makes it informational, and SmallRye JWT checks it only with
     * a maximum token age (not configured). A token issued "in the future" but valid otherwise is accepted: the
     * verifier's clock decides only with {@code exp} and {@code nbf}.
     */
    @Test
    void shouldAcceptATokenWhoseIatIsInTheFuture() {
        String user = Api.uniqueUser("early");
        try (WsClient client = WsClient.connect(base, TestTokens.issuedInTheFuture(user))) {
            assertThat(client.next(WAIT).path("userId").asText()).isEqualTo(user);
        }
    }

    // --- what a connected user may follow ------------------------------------------------------------------------

    /**
     * A user who is no party gets {@code forbidden} for the escrow's room whatever {@code lastEventId} comes with
     * it (a real id of that room, its stream start, one far ahead), and for another user's room; nothing of either
     * room arrives.
     */
    @Test
    void shouldRefuseAnotherUsersRoomAndAnEscrowOfOthersWithForbiddenWhateverTheLastEventId() {
        EscrowScenario escrow = EscrowScenario.active();
        String room = "escrow:" + escrow.id();
        StreamPosition end = streamEnd(escrow.buyer(), room);
        String outsider = Api.uniqueUser("outsider");
        List<String> lastEventIds = new ArrayList<>();
        lastEventIds.add(null);
        lastEventIds.add(EventIds.encodePosition(room, end));
        lastEventIds.add(EventIds.encodePosition(room, new StreamPosition(end.topicId(), end.partition(), -1)));
        lastEventIds.add(EventIds.encode(room, new StreamPosition(end.topicId(), end.partition(), 1_000_000_000_000L)));
        try (WsClient client = WsClient.connect(base, TestTokens.forUser(outsider))) {
            assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");
            for (int i = 0; i < lastEventIds.size(); i++) {
                client.send(WsClient.subscribe(room, lastEventIds.get(i), "e" + i));
                JsonNode refused = client.next(WAIT);
                assertThat(refused.path("code").asText()).as("lastEventId %s: %s", lastEventIds.get(i), refused)
                        .isEqualTo("forbidden");
            }
            String otherUserRoom = "user:" + escrow.buyer();
            client.send(WsClient.subscribe(otherUserRoom, null, "u0"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("forbidden");
            client.send(WsClient.subscribe(otherUserRoom, EventIds.encodePosition(otherUserRoom,
                    new StreamPosition(end.topicId(), 0, -1)), "u1"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("forbidden");

            // the escrow moves on: the outsider hears nothing of it, nor of the buyer's notifications
            try (WsClient party = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
                party.next(WAIT);
                party.send(WsClient.subscribe(room, null, "p"));
                assertThat(party.next(WAIT).path("type").asText()).isEqualTo("subscribed");
                Api.as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);
                party.nextMatching(f -> room.equals(f.path("room").asText()), WAIT); // the change reached parties
            }
            assertThat(client.pending()).isEmpty();
        }
    }

    /**
     * The partition of a room holds other rooms' events: an id forged to replay the whole partition (its start)
     * replays this room's events only, an id of another room is {@code invalid_event_id}, a malformed one too, and
     * one far beyond the stream's end is {@code recovered:false} with live events following, not a subscription
     * that waits for an offset that never comes.
     */
    @Test
    void shouldNeverReplayAnotherRoomsEventsWhateverTheLastEventId() {
        EscrowScenario mine = EscrowScenario.funded();
        String room = "escrow:" + mine.id();
        StreamPosition end = streamEnd(mine.buyer(), room);
        EscrowScenario neighbour = neighbourInPartition(end.partition());
        String neighbourRoom = "escrow:" + neighbour.id();
        String neighbourId = EventIds.encodePosition(neighbourRoom, streamEnd(neighbour.buyer(), neighbourRoom));

        try (WsClient client = WsClient.connect(base, TestTokens.forUser(mine.buyer()))) {
            client.next(WAIT);
            // the whole partition from its start: only this room's events (created, joined twice, ACTIVE, FUNDED)
            String fromStart = EventIds.encodePosition(room, new StreamPosition(end.topicId(), end.partition(), -1));
            client.send(WsClient.subscribe(room, fromStart, "start"));
            JsonNode reply = client.nextMatching(f -> "start".equals(f.path("ref").asText()), WAIT);
            assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("subscribed");
            List<JsonNode> replayed = new ArrayList<>();
            for (int i = 0; i < reply.path("replayed").asInt(); i++) {
                replayed.add(client.nextMatching(f -> f.has("room") && !f.path("room").asText().startsWith("user:"), WAIT));
            }
            assertThat(replayed).allSatisfy(frame -> {
                assertThat(frame.path("room").asText()).isEqualTo(room);
                assertThat(frame.path("data").path("escrowId").asText()).isEqualTo(mine.id());
            });
            if (reply.path("recovered").asBoolean()) {
                assertThat(replayed).as("every event of the room since its creation").hasSizeGreaterThanOrEqualTo(5);
            }
            client.send(WsClient.unsubscribe(room, "left"));
            client.nextMatching(f -> "left".equals(f.path("ref").asText()), WAIT);

            // another room's id, malformed ids: refused
            for (String bad : List.of(neighbourId, "not-an-event-id", fromStart + "A", "A".repeat(65), "")) {
                client.send(WsClient.subscribe(room, bad, "bad"));
                JsonNode refused = client.nextMatching(f -> "bad".equals(f.path("ref").asText()), WAIT);
                assertThat(refused.path("code").asText()).as("lastEventId '%s': %s", bad, refused)
                        .isEqualTo("invalid_event_id");
            }

            // far beyond the end: not recovered, and live events still come
            String farAhead = EventIds.encode(room, new StreamPosition(end.topicId(), end.partition(), 1_000_000_000_000L));
            client.send(WsClient.subscribe(room, farAhead, "ahead"));
            JsonNode ahead = client.nextMatching(f -> "ahead".equals(f.path("ref").asText()), WAIT);
            assertThat(ahead.path("type").asText()).as("reply %s", ahead).isEqualTo("subscribed");
            assertThat(ahead.path("recovered").asBoolean()).as("reply %s", ahead).isFalse();
            assertThat(ahead.path("replayed").asInt()).isZero();
            Api.as(mine.buyer()).post(mine.path("/milestones/" + mine.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            JsonNode live = client.nextMatching(f -> room.equals(f.path("room").asText()), WAIT);
            assertThat(live.path("type").asText()).isEqualTo("escrow:milestone_released");

            // and the neighbour's changes never reach this socket
            Api.as(neighbour.buyer()).post(neighbour.path("/cancel")).then().statusCode(200);
            Api.as(mine.buyer()).post(mine.path("/milestones/" + mine.milestoneIds().get(1) + "/release")).then()
                    .statusCode(200);
            List<JsonNode> mineAfter = new ArrayList<>();
            while (mineAfter.size() < 2) { // the release and FUNDED->COMPLETED, after which the neighbour's are sent
                JsonNode frame = client.next(WAIT);
                assertThat(frame.path("room").asText()).as("frame %s", frame).isIn(room, "user:" + mine.buyer());
                if (room.equals(frame.path("room").asText())) {
                    mineAfter.add(frame);
                }
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** Both connection slots of a fresh user (the profile allows two) are free: a refusal took none. */
    private void assertTheUsersConnectionSlotsAreFree(String user) {
        try (WsClient first = WsClient.connect(base, TestTokens.forUser(user));
                WsClient second = WsClient.connect(base, TestTokens.forUser(user))) {
            assertThat(first.next(WAIT).path("type").asText()).isEqualTo("welcome");
            assertThat(second.next(WAIT).path("type").asText()).as("the second of two allowed sockets")
                    .isEqualTo("welcome");
        }
    }

    private static Map<String, Double> socketGauges() {
        String text = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> values = new java.util.TreeMap<>();
        for (String gauge : SOCKET_GAUGES) {
            values.put(gauge, Metrics.metricIn(text, gauge).orElseThrow());
        }
        return values;
    }

    /** The room's stream end now, from a party's subscribe reply. */
    private StreamPosition streamEnd(String party, String room) {
        try (WsClient client = WsClient.connect(base, TestTokens.forUser(party))) {
            client.next(WAIT);
            client.send(WsClient.subscribe(room, null, "end"));
            JsonNode reply = client.nextMatching(f -> "end".equals(f.path("ref").asText()), WAIT);
            assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("subscribed");
            return EventIds.decode(reply.path("position").asText(), room).seenThrough();
        }
    }

    /** A pending escrow whose room shares {@code partition}: keys spread over the partitions, so a few tries do. */
    private EscrowScenario neighbourInPartition(int partition) {
        for (int i = 0; i < 60; i++) {
            EscrowScenario candidate = EscrowScenario.pending();
            String room = "escrow:" + candidate.id();
            if (streamEnd(candidate.buyer(), room).partition() == partition) {
                return candidate;
            }
        }
        throw new AssertionError("no escrow in partition " + partition + " after 60 tries");
    }
}
