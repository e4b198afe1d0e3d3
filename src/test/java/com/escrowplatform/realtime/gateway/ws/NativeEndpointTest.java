package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.GatewayConfig;
import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The native protocol of CONTRACT 5, end to end: REST change → outbox → Kafka → hub → socket. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeEndpointTest {
    static final Duration WAIT = Duration.ofSeconds(15);

    @TestHTTPResource("/")
    URI base;

    @Inject
    GatewayConfig gatewayConfig;

    @Test
    void shouldDeliverEveryEventTypeToAPartyAsTheContractsFrameAndNothingToANonParty() {
        String buyer = Api.uniqueUser("buyer");
        String seller = Api.uniqueUser("seller");
        String arbiter = Api.uniqueUser("arbiter");
        String outsider = Api.uniqueUser("outsider");
        String escrowId = Api.createEscrow(buyer, seller, arbiter, "10.00", "20.00").then().statusCode(201)
                .extract().path("id");
        String room = "escrow:" + escrowId;

        try (WsClient party = WsClient.connect(base, TestTokens.forUser(buyer));
                WsClient stranger = WsClient.connect(base, TestTokens.forUser(outsider))) {
            JsonNode welcome = party.next(WAIT);
            assertThat(welcome.path("type").asText()).isEqualTo("welcome");
            assertThat(welcome.path("userId").asText()).isEqualTo(buyer);
            assertThat(welcome.path("sessionId").asText()).isNotBlank();
            assertThat(Instant.parse(welcome.path("expiresAt").asText())).isAfter(Instant.now());
            assertThat(stranger.next(WAIT).path("type").asText()).isEqualTo("welcome");

            party.send(WsClient.subscribe(room, null, "r1"));
            JsonNode subscribed = party.next(WAIT);
            assertThat(subscribed.path("type").asText()).isEqualTo("subscribed");
            assertThat(subscribed.path("room").asText()).isEqualTo(room);
            assertThat(subscribed.path("ref").asText()).isEqualTo("r1");
            assertThat(subscribed.path("recovered").asBoolean()).isFalse();
            assertThat(subscribed.path("replayed").asInt()).isZero();
            assertThat(subscribed.path("position").asText()).isNotBlank();

            stranger.send(WsClient.subscribe(room, null, "s1"));
            JsonNode refused = stranger.next(WAIT);
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("forbidden");
            assertThat(refused.path("ref").asText()).isEqualTo("s1");

            List<String> milestones = Api.as(buyer).get("/api/escrows/" + escrowId).path("milestones.id");
            Api.as(seller).post("/api/escrows/" + escrowId + "/join").then().statusCode(200);
            Api.as(arbiter).post("/api/escrows/" + escrowId + "/join").then().statusCode(200);
            Api.as(buyer).post("/api/escrows/" + escrowId + "/fund").then().statusCode(200);
            Api.as(buyer).post("/api/escrows/" + escrowId + "/milestones/" + milestones.get(0) + "/release").then()
                    .statusCode(200);
            String disputeId = Api.as(seller).body(Map.of("reason", "late delivery"))
                    .post("/api/escrows/" + escrowId + "/disputes").then().statusCode(201).extract().path("disputes[0].id");
            Api.as(arbiter).body(Map.of("resolution", "REFUND", "note", "refunded"))
                    .post("/api/escrows/" + escrowId + "/disputes/" + disputeId + "/resolve").then().statusCode(200);

            // versions 2..10: join, join + ACTIVE, FUNDED, release, dispute + DISPUTED, resolved + REFUNDED
            List<JsonNode> log = Json.MAPPER.convertValue(
                    Api.as(buyer).get("/api/escrows/" + escrowId + "/events?afterVersion=1").then().statusCode(200)
                            .extract().as(List.class), Json.MAPPER.getTypeFactory().constructCollectionType(List.class, JsonNode.class));
            assertThat(log).hasSize(9);
            List<JsonNode> received = new java.util.ArrayList<>();
            List<JsonNode> notifications = new java.util.ArrayList<>();
            while (received.size() < 9) {
                JsonNode frame = party.next(WAIT);
                (room.equals(frame.path("room").asText()) ? received : notifications).add(frame);
            }
            for (int i = 0; i < 9; i++) {
                JsonNode frame = received.get(i);
                assertThat(fieldNames(frame)).containsExactlyInAnyOrder("type", "room", "id", "data");
                assertThat(frame.path("type").asText()).isEqualTo(log.get(i).path("type").asText());
                assertThat(frame.path("data")).isEqualTo(log.get(i).path("data"));
                assertThat(frame.path("id").asText()).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9_-]+");
            }
            assertThat(received.stream().map(f -> f.path("type").asText()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("escrow:party_joined", "escrow:status_changed",
                            "escrow:milestone_released", "escrow:dispute_filed", "escrow:dispute_resolved");

            // the buyer's own room carries notification:new for what the others did (7 of the 9 events)
            while (notifications.size() < 7) {
                notifications.addAll(party.nextOfType("notification:new", 1, WAIT));
            }
            JsonNode notice = notifications.get(0);
            assertThat(notice.path("room").asText()).isEqualTo("user:" + buyer);
            assertThat(fieldNames(notice.path("data"))).contains("notificationId", "userId", "escrowId", "kind", "title",
                    "body", "createdAt");
            assertThat(notice.path("data").path("userId").asText()).isEqualTo(buyer);

            // the outsider got its welcome and its refusal, and nothing of this escrow
            assertThat(stranger.pending()).isEmpty();
        }
    }

    /** The filter hands the verified caller to the upgrade check in a header of its own: a client cannot forge it. */
    @Test
    void shouldIgnoreACallerHeaderSentByTheClient() {
        String forged = Long.MAX_VALUE + ";1;someone-else";
        assertThat(WsClient.upgradeStatus(base, b -> b.header(UpgradeAuthentication.VERIFIED_CALLER_HEADER, forged)))
                .isEqualTo(401);
        String me = Api.uniqueUser("me");
        try (WsClient client = WsClient.connect(base, "/ws", b -> b.header("Authorization", "Bearer " + TestTokens.forUser(me))
                .header(UpgradeAuthentication.VERIFIED_CALLER_HEADER, forged))) {
            assertThat(client.next(WAIT).path("userId").asText()).isEqualTo(me);
        }
    }

    @Test
    void shouldRefuseUpgradesWithoutAValidTokenWith401() {
        assertThat(WsClient.upgradeStatus(base, b -> b)).isEqualTo(401);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + TestTokens.expired("u1"))))
                .isEqualTo(401);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + TestTokens.wrongIssuer("u1"))))
                .isEqualTo(401);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + TestTokens.algNone("u1"))))
                .isEqualTo(401);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + TestTokens.forUser("u1"))))
                .isEqualTo(101);
    }

    @Test
    void shouldAcceptTheBrowserSubprotocolCarrier() {
        String carrier = "quarkus-http-upgrade#Authorization#Bearer%20" + TestTokens.forUser("browser-user");
        try (WsClient browser = WsClient.connect(base, "/ws", b -> b.subprotocols("escrow.v1", carrier))) {
            assertThat(browser.next(WAIT).path("userId").asText()).isEqualTo("browser-user");
        }
    }

    @Test
    void shouldRefuseAnotherUsersRoomAndMalformedFrames() {
        try (WsClient client = WsClient.connect(base, TestTokens.forUser("curious"))) {
            client.next(WAIT);
            client.send(WsClient.subscribe("user:someone-else", null, "a"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("forbidden");
            client.send(WsClient.subscribe("lobby", null, "b"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("invalid_room");
            client.send(WsClient.subscribe("escrow:not-a-uuid", null, "c"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("invalid_room");
            client.send(WsClient.subscribe("escrow:" + java.util.UUID.randomUUID(), null, "d"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("not_found");
            client.send(WsClient.subscribe("user:curious", "not-an-event-id", "e"));
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("invalid_event_id");
            client.sendText("{not json");
            assertThat(client.next(WAIT).path("code").asText()).isEqualTo("bad_request");
            client.sendText("{\"op\":\"dance\",\"room\":\"user:curious\",\"ref\":7}");
            JsonNode error = client.next(WAIT);
            assertThat(error.path("code").asText()).isEqualTo("bad_request");
            assertThat(error.path("ref").asInt()).isEqualTo(7);
        }
    }

    /**
     * CONTRACT 5: the socket closes when its token's exp passes, also when exp comes before the heartbeat's next
     * tick. Four sockets, one after the other, with tokens of 1 to 2 s: closes left to the tick would each need a
     * tick of their own, four ticks 5 s apart within the 12 s the sockets last at most, so one at least would be late.
     */
    @Test
    void shouldCloseASocketAtItsTokensExpiryEvenBeforeTheNextHeartbeatTick() {
        long tickMillis = NativeHeartbeat.tickMillis(gatewayConfig.pingInterval(), gatewayConfig.deadPeerTimeout());
        assertThat(tickMillis).as("a tick long enough to tell a close at exp from one at the tick")
                .isGreaterThanOrEqualTo(5000);
        Duration onTime = Duration.ofSeconds(1);
        // a cold first verification may outlast the tokens below
        WsClient.connect(base, TestTokens.forUser("short-lived")).close();
        for (int i = 0; i < 4; i++) {
            String token = TestTokens.expiringIn("short-lived", Duration.ofSeconds(2));
            Instant exp = TestTokens.expiresAt(token);
            try (WsClient client = WsClient.connect(base, token)) {
                assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");
                WsClient.Closed closed = client.closed().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
                assertThat(closed.code()).isEqualTo(1008);
                assertThat(closed.reason()).isEqualTo("Authentication expired");
                assertThat(closed.at()).as("socket %d closed, its token expiring at %s", i, exp)
                        .isAfterOrEqualTo(exp).isBefore(exp.plus(onTime));
            }
        }
    }

    @Test
    void shouldCloseWith1009WhenAFrameIsTooLarge() {
        try (WsClient client = WsClient.connect(base, TestTokens.forUser("verbose"))) {
            client.next(WAIT);
            client.sendText("{\"op\":\"subscribe\",\"room\":\"" + "x".repeat(70_000) + "\"}");
            assertThat(client.closed().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join().code()).isEqualTo(1009);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
