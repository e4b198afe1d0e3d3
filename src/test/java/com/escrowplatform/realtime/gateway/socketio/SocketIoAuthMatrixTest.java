package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.ws.GatewayEdgePolicyTest;
import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.BadTokens;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Who gets in through {@code /socket.io/} (CONTRACT 1 and 7): the token travels in the CONNECT auth payload, over
 * either transport; every refused token kind gets CONNECT_ERROR {@code unauthorized}, no socket, no connection
 * slot, and once the client goes, no session. Then what a connected user may follow, whatever {@code lastEventId},
 * and the Origin policy on both transports. Same profile as the native matrix (one allowed Origin, two connections
 * per user), so both share one application.
 */
@QuarkusTest
@TestProfile(GatewayEdgePolicyTest.StrictEdge.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class SocketIoAuthMatrixTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final String UNAUTHORIZED = "44{\"message\":\"unauthorized\"}";
    static final String REFUSED_CONNECTS = "escrow_socketio_connects_refused_total";
    static final List<String> SESSION_GAUGES = List.of("escrow_gateway_sockets", "escrow_gateway_subscriptions",
            "escrow_gateway_rooms", "escrow_socketio_sessions", "escrow_socketio_sessions_unauthenticated");
    static final String ALLOWED_ORIGIN = "https://app.escrow.example";
    static final String OTHER_ORIGIN = "https://evil.example";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    enum Transport {
        WEBSOCKET, POLLING
    }

    static Stream<Arguments> badTokensByTransport() {
        return Stream.of(Transport.values()).flatMap(transport -> BadTokens.all().stream()
                .map(kind -> Arguments.of(transport, kind)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badTokensByTransport")
    void shouldRefuseTheConnectWithUnauthorizedAndLeaveNothingBehind(Transport transport, BadTokens.Kind kind) {
        String user = Api.uniqueUser("intruder");
        Map<String, Double> before = sessionGauges();
        double refusedBefore = Metrics.metric(REFUSED_CONNECTS).orElse(0);
        String connect = "40" + Json.MAPPER.createObjectNode().put("token", kind.forUser().apply(user));

        if (transport == Transport.WEBSOCKET) {
            try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
                client.next(WAIT);
                client.send(connect);
                assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).isEqualTo(UNAUTHORIZED);
                assertRefusedWhileOpen(before);
            }
        } else {
            RawPollingClient session = RawPollingClient.handshake(base);
            assertThat(session.post(connect).statusCode()).isEqualTo(200);
            assertThat(session.poll().join().body()).isEqualTo(UNAUTHORIZED);
            assertRefusedWhileOpen(before);
            assertThat(session.post("1").statusCode()).as("close packet").isEqualTo(200);
        }
        assertThat(Metrics.metric(REFUSED_CONNECTS).orElseThrow()).as("refused CONNECTs counted")
                .isEqualTo(refusedBefore + 1);
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(sessionGauges()).isEqualTo(before));
        assertTheUsersConnectionSlotsAreFree(user);
    }

    /** While the refused session is still open: it is an unauthenticated session, and no socket of the gateway. */
    private static void assertRefusedWhileOpen(Map<String, Double> before) {
        Map<String, Double> now = sessionGauges();
        assertThat(now.get("escrow_gateway_sockets")).isEqualTo(before.get("escrow_gateway_sockets"));
        assertThat(now.get("escrow_gateway_subscriptions")).isEqualTo(before.get("escrow_gateway_subscriptions"));
        assertThat(now.get("escrow_socketio_sessions_unauthenticated"))
                .isEqualTo(before.get("escrow_socketio_sessions_unauthenticated") + 1);
    }

    // --- what a connected user may follow ------------------------------------------------------------------------

    @Test
    void shouldRefuseAnotherUsersRoomAndAnEscrowOfOthersWithForbiddenWhateverTheLastEventId() {
        EscrowScenario escrow = EscrowScenario.active();
        String room = "escrow:" + escrow.id();
        StreamPosition end;
        try (RawEngineIoClient party = connected(escrow.buyer())) {
            end = EventIds.decode(ack(party, 1, room, null).path("position").asText(), room).seenThrough();
        }
        List<String> lastEventIds = new ArrayList<>();
        lastEventIds.add(null);
        lastEventIds.add(EventIds.encodePosition(room, end));
        lastEventIds.add(EventIds.encodePosition(room, new StreamPosition(end.topicId(), end.partition(), -1)));
        lastEventIds.add(EventIds.encode(room, new StreamPosition(end.topicId(), end.partition(), 1_000_000_000_000L)));
        try (RawEngineIoClient outsider = connected(Api.uniqueUser("outsider"))) {
            int ackId = 1;
            for (String lastEventId : lastEventIds) {
                JsonNode refused = ack(outsider, ackId++, room, lastEventId);
                assertThat(refused.path("ok").asBoolean()).isFalse();
                assertThat(refused.path("code").asText()).as("lastEventId %s: %s", lastEventId, refused)
                        .isEqualTo("forbidden");
            }
            String otherUserRoom = "user:" + escrow.buyer();
            assertThat(ack(outsider, ackId++, otherUserRoom, null).path("code").asText()).isEqualTo("forbidden");
            assertThat(ack(outsider, ackId++, otherUserRoom,
                    EventIds.encodePosition(otherUserRoom, new StreamPosition(end.topicId(), 0, -1))).path("code").asText())
                    .isEqualTo("forbidden");

            // the escrow moves on; a party hears it, the outsider nothing of it
            try (RawEngineIoClient seller = connected(escrow.seller())) {
                assertThat(ack(seller, 1, room, null).path("ok").asBoolean()).isTrue();
                Api.as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);
                seller.nextMatching(f -> f.startsWith("42[\"escrow:status_changed\""), WAIT);
            }
            assertThat(outsider.seen()).noneMatch(f -> f.contains(escrow.id()) && !f.startsWith("43"));
            int lastAck = ackId;
            outsider.send("42" + lastAck + "[\"subscribe\",{\"room\":\"user:nobody-else\"}]");
            outsider.nextMatching(f -> f.startsWith("43" + lastAck), WAIT);
            assertThat(outsider.seen()).noneMatch(f -> f.startsWith("42[\"escrow:"));
        }
    }

    @Test
    void shouldRefuseAnIdOfAnotherRoomOrAMalformedOneAndNotRecoverFromBeyondTheEnd() {
        EscrowScenario mine = EscrowScenario.funded();
        EscrowScenario other = EscrowScenario.active();
        String room = "escrow:" + mine.id();
        String otherRoom = "escrow:" + other.id();
        try (RawEngineIoClient client = connected(mine.buyer())) {
            StreamPosition end = EventIds.decode(ack(client, 1, room, null).path("position").asText(), room).seenThrough();
            client.send("42" + 2 + "[\"unsubscribe\",{\"room\":\"" + room + "\"}]");
            client.nextMatching(f -> f.startsWith("432["), WAIT);
            String otherId;
            try (RawEngineIoClient otherParty = connected(other.buyer())) {
                otherId = ack(otherParty, 1, otherRoom, null).path("position").asText();
            }
            int ackId = 3;
            for (String bad : List.of(otherId, "not-an-event-id", "A".repeat(65))) {
                JsonNode refused = ack(client, ackId++, room, bad);
                assertThat(refused.path("code").asText()).as("lastEventId '%s': %s", bad, refused)
                        .isEqualTo("invalid_event_id");
            }
            String farAhead = EventIds.encode(room, new StreamPosition(end.topicId(), end.partition(), 1_000_000_000_000L));
            JsonNode ahead = ack(client, ackId, room, farAhead);
            assertThat(ahead.path("ok").asBoolean()).as("ack %s", ahead).isTrue();
            assertThat(ahead.path("recovered").asBoolean()).as("ack %s", ahead).isFalse();
            Api.as(other.buyer()).post(other.path("/fund")).then().statusCode(200);
            Api.as(mine.buyer()).post(mine.path("/milestones/" + mine.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            String live = client.nextMatching(f -> f.startsWith("42[\"escrow:"), WAIT);
            assertThat(live).startsWith("42[\"escrow:milestone_released\"").contains(mine.id()).doesNotContain(other.id());
        }
    }

    // --- Origin --------------------------------------------------------------------------------------------------

    /** A disallowed Origin gets no Engine.IO session on either transport; an allowed one and none do. */
    @Test
    void shouldRefuseADisallowedOriginOnBothTransports() throws Exception {
        Map<String, Double> before = sessionGauges();
        assertThat(RawWebSocket.upgrade(base, "/socket.io/?EIO=4&transport=websocket", Map.of("Origin", OTHER_ORIGIN))
                .status()).as("WebSocket upgrade from another origin").isEqualTo(403);
        HttpResponse<String> handshake = get("/socket.io/?EIO=4&transport=polling", OTHER_ORIGIN);
        assertThat(handshake.statusCode()).as("polling handshake from another origin: %s", handshake.body())
                .isEqualTo(403);
        assertThat(Json.parse(handshake.body()).path("code").asInt()).as("Engine.IO's Forbidden").isEqualTo(4);

        // a session opened without Origin cannot be used from another origin either
        RawPollingClient session = RawPollingClient.handshake(base);
        HttpResponse<String> poll = get("/socket.io/?EIO=4&transport=polling&sid=" + session.sid, OTHER_ORIGIN);
        assertThat(poll.statusCode()).as("poll from another origin").isEqualTo(403);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(base.resolve("/socket.io/?EIO=4&transport=polling&sid="
                + session.sid)).header("Origin", OTHER_ORIGIN).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString("40" + Json.MAPPER.createObjectNode()
                        .put("token", TestTokens.forUser("cross-site")))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as("post from another origin").isEqualTo(403);
        assertThat(session.post("1").statusCode()).isEqualTo(200);

        HttpResponse<String> allowed = get("/socket.io/?EIO=4&transport=polling", ALLOWED_ORIGIN);
        assertThat(allowed.statusCode()).isEqualTo(200);
        String sid = Json.parse(allowed.body().substring(1)).path("sid").asText();
        HTTP.send(HttpRequest.newBuilder(base.resolve("/socket.io/?EIO=4&transport=polling&sid=" + sid))
                .header("Origin", ALLOWED_ORIGIN).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString("1")).build(),
                HttpResponse.BodyHandlers.ofString());
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgrade(base, "/socket.io/?EIO=4&transport=websocket",
                Map.of("Origin", ALLOWED_ORIGIN));
        assertThat(upgrade.status()).isEqualTo(101);
        upgrade.socket().close();
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(sessionGauges()).isEqualTo(before));
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** Both connection slots of a fresh user (the profile allows two) are free: a refusal took none. */
    private void assertTheUsersConnectionSlotsAreFree(String user) {
        try (RawEngineIoClient first = connected(user); RawEngineIoClient second = connected(user)) {
            assertThat(second.isClosed()).isFalse();
        }
    }

    /** An Engine.IO session over WebSocket with the main namespace connected as {@code user}. */
    private RawEngineIoClient connected(String user) {
        RawEngineIoClient client = RawEngineIoClient.open(base, true);
        client.next(WAIT);
        client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser(user)));
        assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).as("CONNECT reply").startsWith("40{");
        return client;
    }

    /** Subscribes with ack id {@code id} and returns the ack's body. */
    private static JsonNode ack(RawEngineIoClient client, int id, String room, String lastEventId) {
        var body = Json.MAPPER.createObjectNode().put("room", room);
        if (lastEventId != null) {
            body.put("lastEventId", lastEventId);
        }
        client.send("42" + id + "[\"subscribe\"," + body + "]");
        String ack = client.nextMatching(f -> f.startsWith("43" + id + "["), WAIT);
        return Json.parse(ack.substring(("43" + id).length())).get(0);
    }

    private HttpResponse<String> get(String path, String origin) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).header("Origin", origin).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Double> sessionGauges() {
        String text = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> values = new TreeMap<>();
        for (String gauge : SESSION_GAUGES) {
            values.put(gauge, Metrics.metricIn(text, gauge).orElseThrow());
        }
        return values;
    }
}
