package com.escrowplatform.realtime.gateway.socketio;

import static com.escrowplatform.realtime.testsupport.RoomFrames.connectSubscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsAfterCreation;
import static com.escrowplatform.realtime.testsupport.RoomFrames.ids;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Socket.IO connection-state recovery across instances (docs/socketio.md): the official client leaves instance A
 * when its network fails and comes back on another instance, which recovers it from the signed pid and offset
 * alone when it shares A's {@code escrow.socketio.recovery-secret}. Instance A is the packaged application
 * {@code @QuarkusIntegrationTest} launches; B (same secret) is a second process for the whole class, C (another
 * secret) one for its test only.
 */
@QuarkusIntegrationTest
@TestProfile(SocketIoRecoveryIT.SharedRecoverySecret.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class SocketIoRecoveryIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SECRET = "recovery-it-secret-shared-by-a-and-b";
    static final Map<String, Object> WEBSOCKET_ONLY = Map.of("transports", List.of("websocket"));
    /** Where the relay sends the client while the network is down: nothing listens there. */
    static final URI NOWHERE = URI.create("http://127.0.0.1:9");

    public static class SharedRecoverySecret implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("escrow.socketio.recovery-secret", SECRET);
        }
    }

    static ApplicationProcess b;
    URI a;

    @BeforeAll
    static void startInstanceB() {
        b = ApplicationProcess.start("socketio-b", Duration.ofMinutes(3), Map.of("escrow.socketio.recovery-secret", SECRET));
    }

    @AfterAll
    static void stopInstanceB() {
        if (b != null) {
            b.close();
        }
    }

    @BeforeEach
    void instanceA() {
        a = URI.create("http://localhost:" + RestAssured.port);
    }

    // Cut off from A, the client reconnects to B by itself and is recovered: same rooms, exactly the missed events in order, then live ones.
    @Test
    void shouldRecoverOnAnotherInstanceWithTheRoomsAndExactlyTheMissedEventsThenLiveOnes() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        String userRoom = "user:" + escrow.buyer();
        try (WsClient witnessOnB = connectSubscribed(b.uri(), escrow.seller(), room, null);
                NodeSocketIoClient buyer = NodeSocketIoClient.start()) {
            Received received = new Received(room, userRoom);
            buyer.connect(a, Map.of("token", TestTokens.forUser(escrow.buyer())), WEBSOCKET_ONLY);
            assertThat(buyer.await("connect", WAIT).path("recovered").asBoolean()).isFalse();
            buyer.emit("subscribe", Map.of("room", room), "s1");
            assertThat(buyer.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
            buyer.messages(SocketIoPeer.OFFSET_EVENT, 1, WAIT); // the offset that holds the escrow room

            // seen live on A: v2 and the buyer's notice of it
            as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            received.take(buyer, 1, 1);
            assertThat(versions(received.events)).containsExactly(2L);

            // the network fails and stays down while the escrow moves on (through both instances)
            buyer.target(NOWHERE).await("targeted", WAIT);
            buyer.drop().await("disconnect", WAIT);
            onB(as(escrow.arbiter())).post(escrow.path("/join")).then().statusCode(200);
            as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);
            List<JsonNode> missed = escrow.eventLog(2);
            assertThat(versions(missed)).containsExactly(3L, 4L, 5L);
            // B has consumed them once its own subscriber saw them
            List<JsonNode> witnessed = eventsAfterCreation(witnessOnB, room, 4);
            assertThat(versions(witnessed)).containsExactly(2L, 3L, 4L, 5L);

            // a load balancer now sends the client to B
            buyer.target(b.uri()).await("targeted", WAIT);
            JsonNode reconnected = buyer.await("connect", WAIT);
            assertThat(reconnected.path("recovered").asBoolean()).as("socket.recovered on B").isTrue();
            int eventsBefore = received.events.size();
            int noticesBefore = received.notices.size();
            received.take(buyer, missed.size(), noticesFor(missed, escrow.buyer()).size());
            List<JsonNode> replayed = received.events.subList(eventsBefore, received.events.size());
            assertThat(versions(replayed)).containsExactly(3L, 4L, 5L);
            assertThat(ids(replayed)).containsExactlyElementsOf(ids(witnessed.subList(1, 4)));
            assertThat(replayed).extracting(e -> e.path("data")).containsExactlyElementsOf(
                    missed.stream().map(e -> e.path("data")).toList());
            // the user room came back too, with the notices sent while away
            assertThat(received.notices.subList(noticesBefore, received.notices.size()))
                    .extracting(n -> n.path("data").path("kind").asText())
                    .containsExactlyElementsOf(noticesFor(missed, escrow.buyer()));

            // both rooms are live again on B without a new subscribe
            as(escrow.seller()).body(Map.of("reason", "late delivery")).post(escrow.path("/disputes")).then().statusCode(201);
            List<JsonNode> live = escrow.eventLog(5);
            assertThat(live).isNotEmpty();
            eventsBefore = received.events.size();
            noticesBefore = received.notices.size();
            received.take(buyer, live.size(), noticesFor(live, escrow.buyer()).size());
            assertThat(versions(received.events.subList(eventsBefore, received.events.size())))
                    .containsExactlyElementsOf(versions(live));
            assertThat(received.notices.subList(noticesBefore, received.notices.size()))
                    .extracting(n -> n.path("data").path("kind").asText())
                    .containsExactlyElementsOf(noticesFor(live, escrow.buyer()));

            // over the whole session: every version once, contiguous, and no id twice
            long last = versions(live).get(live.size() - 1);
            assertThat(versions(received.events)).containsExactlyElementsOf(LongStream.rangeClosed(2, last).boxed().toList());
            received.drain(buyer);
            assertThat(received.duplicates()).isEmpty();
            assertThat(versions(received.events)).as("nothing after the live events")
                    .containsExactlyElementsOf(LongStream.rangeClosed(2, last).boxed().toList());
        }
    }

    // On an instance with another secret the recovery fails cleanly: a normal connect (recovered false), no event of the old rooms, and the client can subscribe again and resume by lastEventId.
    @Test
    void shouldFailTheRecoveryCleanlyOnAnInstanceWithAnotherSecret() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        String userRoom = "user:" + escrow.buyer();
        try (ApplicationProcess c = ApplicationProcess.start("socketio-c", Duration.ofMinutes(3),
                Map.of("escrow.socketio.recovery-secret", "another-secret-than-the-one-of-a-and-b"));
                NodeSocketIoClient buyer = NodeSocketIoClient.start()) {
            Received received = new Received(room, userRoom);
            buyer.connect(a, Map.of("token", TestTokens.forUser(escrow.buyer())), WEBSOCKET_ONLY);
            String firstId = buyer.await("connect", WAIT).path("id").asText();
            buyer.emit("subscribe", Map.of("room", room), "s1");
            assertThat(buyer.ack("s1", WAIT).path("ok").asBoolean()).isTrue();
            buyer.messages(SocketIoPeer.OFFSET_EVENT, 1, WAIT);
            as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            received.take(buyer, 1, 1);
            String lastSeen = received.events.get(0).path("id").asText();

            buyer.target(NOWHERE).await("targeted", WAIT);
            buyer.drop().await("disconnect", WAIT);
            as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            List<JsonNode> missed = escrow.eventLog(2);
            assertThat(versions(missed)).containsExactly(3L, 4L);

            buyer.target(c.uri()).await("targeted", WAIT);
            JsonNode reconnected = buyer.await("connect", WAIT);
            assertThat(reconnected.path("recovered").asBoolean()).as("socket.recovered on C").isFalse();
            assertThat(reconnected.path("id").asText()).isNotEqualTo(firstId);
            JsonNode state = buyer.state().await("state", WAIT);
            assertThat(state.path("connected").asBoolean()).isTrue();
            assertThat(state.path("transport").asText()).isEqualTo("websocket");

            buyer.emit("subscribe", Map.of("room", room, "lastEventId", lastSeen), "s2");
            JsonNode ack = buyer.ack("s2", WAIT);
            assertThat(ack.path("ok").asBoolean()).isTrue();
            assertThat(ack.path("recovered").asBoolean()).isTrue();
            assertThat(ack.path("replayed").asInt()).isEqualTo(2);
            // nothing of the escrow room came between the failed recovery and the new subscribe: no partial replay
            List<JsonNode> seen = buyer.seen();
            int reconnectAt = seen.lastIndexOf(reconnected);
            assertThat(seen.subList(reconnectAt, seen.size())).noneMatch(line -> "message".equals(line.path("event").asText())
                    && room.equals(line.path("args").path(0).path("room").asText()));

            received.take(buyer, 2, 0);
            assertThat(versions(received.events)).containsExactly(2L, 3L, 4L);
            as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);
            received.take(buyer, 1, 0);
            assertThat(versions(received.events)).containsExactly(2L, 3L, 4L, 5L);
            received.drain(buyer);
            assertThat(received.duplicates()).isEmpty();
        }
    }

    /** What one client received of an escrow room and of its user room, in order; version 1 (committed before any subscribe) is skipped. */
    private static final class Received {
        final String room;
        final String userRoom;
        final List<JsonNode> events = new ArrayList<>();
        final List<JsonNode> notices = new ArrayList<>();
        final List<String> allIds = new ArrayList<>();

        Received(String room, String userRoom) {
            this.room = room;
            this.userRoom = userRoom;
        }

        /** Reads until {@code eventCount} more room events and {@code noticeCount} more notices arrived. */
        void take(NodeSocketIoClient client, int eventCount, int noticeCount) {
            int events = this.events.size() + eventCount;
            int notices = this.notices.size() + noticeCount;
            while (this.events.size() < events || this.notices.size() < notices) {
                add(client.await(line -> isEvent(line), WAIT));
            }
        }

        /** Takes whatever else arrived so far. */
        void drain(NodeSocketIoClient client) {
            client.pending().stream().filter(this::isEvent).forEach(this::add);
        }

        Set<String> duplicates() {
            Set<String> once = new HashSet<>();
            Set<String> twice = new HashSet<>();
            for (String id : allIds) {
                if (!once.add(id)) {
                    twice.add(id);
                }
            }
            return twice;
        }

        private boolean isEvent(JsonNode line) {
            if (!"message".equals(line.path("event").asText())) {
                return false;
            }
            String inRoom = line.path("args").path(0).path("room").asText();
            return room.equals(inRoom) || userRoom.equals(inRoom);
        }

        private void add(JsonNode line) {
            JsonNode event = line.path("args").path(0);
            allIds.add(event.path("id").asText());
            if (userRoom.equals(event.path("room").asText())) {
                notices.add(event);
            } else if (event.path("data").path("version").asLong() != 1) {
                events.add(event);
            }
        }
    }

    /** The kinds of the notices {@code user} gets for {@code events}: one per event another party caused. */
    private static List<String> noticesFor(List<JsonNode> events, String user) {
        return events.stream().filter(e -> !user.equals(e.path("data").path("actorId").asText()))
                .map(e -> e.path("type").asText()).toList();
    }






    private static RequestSpecification onB(RequestSpecification request) {
        return request.port(b.port());
    }
}
