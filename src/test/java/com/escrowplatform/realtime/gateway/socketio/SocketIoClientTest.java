package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * CONTRACT 7 with the official socket.io-client from Node: REST change → outbox → Kafka → hub → Socket.IO.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class SocketIoClientTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Map<String, Object> WEBSOCKET_ONLY = Map.of("transports", List.of("websocket"));

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldConnectWithTheTokenInTheAuthPayloadAndDeliverTheUsersNotifications() {
        EscrowScenario escrow = EscrowScenario.pending();
        try (NodeSocketIoClient seller = NodeSocketIoClient.start()) {
            seller.connect(base, Map.of("token", TestTokens.forUser(escrow.seller())), WEBSOCKET_ONLY);
            JsonNode connected = seller.await("connect", WAIT);
            assertThat(connected.path("id").asText()).isNotBlank();
            assertThat(connected.path("recovered").asBoolean()).isFalse();
            assertThat(connected.path("transport").asText()).isEqualTo("websocket");
            seller.messages(SocketIoPeer.OFFSET_EVENT, 1, WAIT); // the own room is joined

            Api.as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);

            // the buyer's and arbiter's notifications are theirs; the seller is told of nothing it did itself,
            // so make the arbiter act
            Api.as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            JsonNode event = seller.messages("notification:new", 1, WAIT).get(0);
            assertThat(fieldNames(event.get(0))).containsExactlyInAnyOrder("id", "room", "data");
            assertThat(event.get(0).path("room").asText()).isEqualTo("user:" + escrow.seller());
            assertThat(event.get(0).path("data").path("userId").asText()).isEqualTo(escrow.seller());
            assertThat(event.get(1).isTextual()).as("the recovery offset is the last argument").isTrue();
        }
    }

    @Test
    void shouldRefuseAMissingOrInvalidTokenWithConnectErrorUnauthorized() {
        for (Map<String, String> auth : List.<Map<String, String>>of(Map.of(), Map.of("token", TestTokens.expired("late")),
                Map.of("token", TestTokens.algNone("mallory")), Map.of("token", TestTokens.wrongAudience("other")),
                Map.of("token", TestTokens.forUser("x".repeat(129))))) {
            try (NodeSocketIoClient client = NodeSocketIoClient.start()) {
                client.connect(base, auth, WEBSOCKET_ONLY);
                JsonNode refused = client.await(line -> line.path("event").asText().startsWith("connect"), WAIT);
                assertThat(refused.path("event").asText()).as("auth %s", auth.keySet()).isEqualTo("connect_error");
                assertThat(refused.path("message").asText()).isEqualTo("unauthorized");
            }
        }
    }

    // Refused, refresh the token, socket.connect() again: connected. (A second CONNECT sent while the first is still
    // being verified is covered on the wire by SocketIoRawProtocolTest: with the official client its outcome depends on
    // whether the refusal of the first arrives before the second is sent, and the client ignores a CONNECT answer once
    // it has handled a refusal.)
    @Test
    void shouldConnectAgainWithARefreshedTokenAfterARefusal() {
        try (NodeSocketIoClient client = NodeSocketIoClient.start()) {
            client.connect(base, Map.of("token", TestTokens.expired("refreshing-user")), WEBSOCKET_ONLY);
            JsonNode refused = client.await(line -> line.path("event").asText().startsWith("connect"), WAIT);
            assertThat(refused.path("event").asText()).isEqualTo("connect_error");
            assertThat(refused.path("message").asText()).isEqualTo("unauthorized");
            client.reconnect(Map.of("token", TestTokens.forUser("refreshing-user")));
            JsonNode connected = client.await(line -> line.path("event").asText().startsWith("connect"), WAIT);
            assertThat(connected.path("event").asText()).isEqualTo("connect");
            client.emit("subscribe", Map.of("room", "user:refreshing-user"), "s1");
            assertThat(client.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void shouldRefuseANamespaceOtherThanTheMainOne() {
        try (NodeSocketIoClient client = NodeSocketIoClient.start()) {
            client.connect(base.resolve("/admin"), Map.of("token", TestTokens.forUser("admin-curious")), WEBSOCKET_ONLY);
            JsonNode refused = client.await(line -> line.path("event").asText().startsWith("connect"), WAIT);
            assertThat(refused.path("event").asText()).isEqualTo("connect_error");
            assertThat(refused.path("message").asText()).isEqualTo("Invalid namespace");
        }
    }

    @Test
    void shouldAckSubscribeAndDeliverEveryEventTypeAsIdRoomAndData() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        try (NodeSocketIoClient buyer = NodeSocketIoClient.start();
                NodeSocketIoClient outsider = NodeSocketIoClient.start()) {
            buyer.connect(base, Map.of("token", TestTokens.forUser(escrow.buyer())), WEBSOCKET_ONLY).await("connect", WAIT);
            outsider.connect(base, Map.of("token", TestTokens.forUser(Api.uniqueUser("outsider"))), WEBSOCKET_ONLY)
                    .await("connect", WAIT);

            buyer.emit("subscribe", Map.of("room", room), "s1");
            JsonNode ack = buyer.ack("s1", WAIT);
            assertThat(fieldNames(ack)).containsExactlyInAnyOrder("ok", "recovered", "replayed", "position");
            assertThat(ack.path("ok").asBoolean()).isTrue();
            assertThat(ack.path("recovered").asBoolean()).isFalse();
            assertThat(ack.path("replayed").asInt()).isZero();
            assertThat(ack.path("position").asText()).matches("[A-Za-z0-9_-]{1,64}");

            outsider.emit("subscribe", Map.of("room", room), "o1");
            JsonNode refused = outsider.ack("o1", WAIT);
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("code").asText()).isEqualTo("forbidden");
            assertThat(refused.path("message").asText()).isNotBlank();
            outsider.emit("subscribe", Map.of("room", "lobby"), "o2");
            assertThat(outsider.ack("o2", WAIT).path("code").asText()).isEqualTo("invalid_room");

            Api.as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            Api.as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            Api.as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);
            Api.as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            String disputeId = Api.as(escrow.seller()).body(Map.of("reason", "late delivery"))
                    .post(escrow.path("/disputes")).then().statusCode(201).extract().path("disputes[0].id");
            Api.as(escrow.arbiter()).body(Map.of("resolution", "REFUND", "note", "refunded"))
                    .post(escrow.path("/disputes/" + disputeId + "/resolve")).then().statusCode(200);

            List<JsonNode> log = eventLog(escrow, 1);
            assertThat(log).hasSize(9);
            List<JsonNode> received = new ArrayList<>();
            List<JsonNode> notifications = new ArrayList<>();
            while (received.size() < 9) {
                // the user room's notifications interleave with the escrow room's events: keep both
                JsonNode line = buyer.await(l -> "message".equals(l.path("event").asText())
                        && (l.path("name").asText().startsWith("escrow:")
                                || "notification:new".equals(l.path("name").asText())), WAIT);
                (line.path("name").asText().startsWith("escrow:") ? received : notifications).add(line);
            }
            for (int i = 0; i < 9; i++) {
                JsonNode args = received.get(i).path("args");
                assertThat(received.get(i).path("name").asText()).isEqualTo(log.get(i).path("type").asText());
                assertThat(fieldNames(args.get(0))).containsExactlyInAnyOrder("id", "room", "data");
                assertThat(args.get(0).path("room").asText()).isEqualTo(room);
                assertThat(args.get(0).path("data")).isEqualTo(log.get(i).path("data"));
                assertThat(args.get(0).path("id").asText()).matches("[A-Za-z0-9_-]{1,64}");
            }
            assertThat(received.stream().map(l -> l.path("name").asText()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("escrow:party_joined", "escrow:status_changed",
                            "escrow:milestone_released", "escrow:dispute_filed", "escrow:dispute_resolved");
            JsonNode notification = notifications.isEmpty() ? buyer.messages("notification:new", 1, WAIT).get(0).get(0)
                    : notifications.get(0).path("args").get(0);
            assertThat(notification.path("room").asText()).isEqualTo("user:" + escrow.buyer());
            assertThat(fieldNames(notification.path("data"))).contains("notificationId", "userId", "kind", "title",
                    "body", "createdAt");

            // nothing of the escrow reached the outsider
            assertThat(outsider.pending()).noneMatch(line -> line.path("name").asText().startsWith("escrow:"));
        }
    }

    @Test
    void shouldReplayTheMissedEventsOfARoomByLastEventId() {
        EscrowScenario escrow = EscrowScenario.pending();
        String room = "escrow:" + escrow.id();
        try (NodeSocketIoClient seller = NodeSocketIoClient.start()) {
            seller.connect(base, Map.of("token", TestTokens.forUser(escrow.seller())), WEBSOCKET_ONLY).await("connect", WAIT);
            seller.emit("subscribe", Map.of("room", room), "s1");
            assertThat(seller.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
            Api.as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            JsonNode seen = seller.messages("escrow:party_joined", 1, WAIT).get(0).get(0);

            seller.emit("unsubscribe", Map.of("room", room), "u1");
            assertThat(seller.ack("u1", WAIT).path("ok").asBoolean()).isTrue();
            Api.as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200); // joined + ACTIVE
            List<JsonNode> missed = eventLog(escrow, seen.path("data").path("version").asInt());
            assertThat(missed).hasSize(2);

            seller.emit("subscribe", Map.of("room", room, "lastEventId", seen.path("id").asText()), "s2");
            JsonNode ack = seller.ack("s2", WAIT);
            assertThat(ack.path("ok").asBoolean()).isTrue();
            assertThat(ack.path("recovered").asBoolean()).isTrue();
            assertThat(ack.path("replayed").asInt()).isEqualTo(2);
            List<JsonNode> replayed = new ArrayList<>();
            while (replayed.size() < 2) {
                replayed.add(seller.await(l -> "message".equals(l.path("event").asText())
                        && l.path("name").asText().startsWith("escrow:"), WAIT));
            }
            for (int i = 0; i < 2; i++) {
                assertThat(replayed.get(i).path("name").asText()).isEqualTo(missed.get(i).path("type").asText());
                assertThat(replayed.get(i).path("args").get(0).path("data")).isEqualTo(missed.get(i).path("data"));
            }

            seller.emit("subscribe", Map.of("room", room, "lastEventId", "not-an-event-id"), "s3");
            assertThat(seller.ack("s3", WAIT).path("code").asText()).isEqualTo("invalid_event_id");
        }
    }

    @Test
    void shouldRecoverTheConnectionStateWithEveryMissedEventAfterTheNetworkDrops() {
        EscrowScenario escrow = EscrowScenario.pending();
        String room = "escrow:" + escrow.id();
        try (NodeSocketIoClient buyer = NodeSocketIoClient.start();
                WsClient watcher = WsClient.connect(base, TestTokens.forUser(escrow.arbiter()))) {
            watcher.next(WAIT);
            watcher.send(WsClient.subscribe(room, null, "w"));
            watcher.nextMatching(f -> "subscribed".equals(f.path("type").asText()), WAIT);

            buyer.connect(base, Map.of("token", TestTokens.forUser(escrow.buyer())), WEBSOCKET_ONLY).await("connect", WAIT);
            buyer.emit("subscribe", Map.of("room", room), "s1");
            assertThat(buyer.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
            buyer.messages(SocketIoPeer.OFFSET_EVENT, 1, WAIT); // the offset that includes the escrow room

            // the network fails, and stays down (the relay points nowhere) while the escrow moves on
            buyer.target(URI.create("http://127.0.0.1:9")).await("targeted", WAIT);
            buyer.drop().await("disconnect", WAIT);
            Api.as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            Api.as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            // the hub has them once the watcher saw them: a replay is needed now
            List<JsonNode> live = new ArrayList<>();
            while (live.size() < 3) {
                JsonNode frame = watcher.next(WAIT);
                if (room.equals(frame.path("room").asText())) {
                    live.add(frame);
                }
            }

            buyer.target(base);
            JsonNode reconnected = buyer.await("connect", WAIT);
            assertThat(reconnected.path("recovered").asBoolean()).as("socket.recovered").isTrue();
            List<JsonNode> replayed = new ArrayList<>();
            List<JsonNode> notices = new ArrayList<>();
            while (replayed.size() < 3 || notices.size() < 2) {
                JsonNode line = buyer.await(l -> "message".equals(l.path("event").asText())
                        && !SocketIoPeer.OFFSET_EVENT.equals(l.path("name").asText()), WAIT);
                (line.path("name").asText().startsWith("escrow:") ? replayed : notices).add(line.path("args").get(0));
            }
            assertThat(replayed.stream().map(e -> e.path("id").asText()).toList())
                    .containsExactlyElementsOf(live.stream().map(f -> f.path("id").asText()).toList());
            // the user room came back too: the seller's and arbiter's joins notified the buyer while away
            assertThat(notices).allSatisfy(e -> assertThat(e.path("room").asText()).isEqualTo("user:" + escrow.buyer()));

            // and the room is live again, without a second subscribe
            Api.as(escrow.buyer()).post(escrow.path("/cancel")).then().statusCode(200);
            JsonNode cancelled = buyer.messages("escrow:status_changed", 1, WAIT).get(0).get(0);
            assertThat(cancelled.path("data").path("to").asText()).isEqualTo("CANCELLED");
            Set<String> ids = new java.util.HashSet<>();
            assertThat(buyer.seen().stream().filter(l -> "message".equals(l.path("event").asText())
                    && l.path("name").asText().contains(":") && !l.path("name").asText().equals(SocketIoPeer.OFFSET_EVENT))
                    .map(l -> l.path("args").get(0).path("id").asText())).allMatch(ids::add);
        }
    }

    @Test
    void shouldServeADefaultOptionsClientOverLongPollingAndUpgradeItToWebSocket() {
        EscrowScenario escrow = EscrowScenario.pending();
        try (NodeSocketIoClient seller = NodeSocketIoClient.start()) {
            seller.connect(base, Map.of("token", TestTokens.forUser(escrow.seller())), Map.of());
            seller.await("connect", WAIT);
            seller.emit("subscribe", Map.of("room", "escrow:" + escrow.id()), "s1");
            assertThat(seller.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
            // it started on long-polling (only that is upgraded); the upgrade may come before or after the ack
            JsonNode upgrade = seller.seen().stream().filter(l -> "upgrade".equals(l.path("event").asText())).findFirst()
                    .orElseGet(() -> seller.await("upgrade", WAIT));
            assertThat(upgrade.path("transport").asText()).isEqualTo("websocket");
            Api.as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            assertThat(seller.messages("escrow:party_joined", 1, WAIT).get(0).get(0).path("data").path("userId").asText())
                    .isEqualTo(escrow.seller());
        }
    }

    private static List<JsonNode> eventLog(EscrowScenario escrow, int afterVersion) {
        return Json.MAPPER.convertValue(Api.as(escrow.buyer()).get(escrow.path("/events?afterVersion=" + afterVersion))
                .then().statusCode(200).extract().as(List.class),
                Json.MAPPER.getTypeFactory().constructCollectionType(List.class, JsonNode.class));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
