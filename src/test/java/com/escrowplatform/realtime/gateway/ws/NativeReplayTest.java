package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.ids;
import static com.escrowplatform.realtime.testsupport.RoomFrames.nextInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versionsBetween;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.RoomFrames;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Resume with {@code lastEventId} from the in-memory window (CONTRACT 6, hot path): the missed events once and
 * in order, then live events, with no gap and no duplicate at the seam even while a writer keeps changing
 * the escrow.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeReplayTest {
    static final int MISSED = 50;
    static final String HOT_REPLAYS = "escrow_gateway_replays_total{path=\"hot\"";

    @TestHTTPResource("/")
    URI base;

    // Guards: a reconnect with the last seen id gets exactly the 50 missed events, in order, then live ones.
    @Test
    void shouldReplayExactlyTheMissedEventsInOrderThenGoLive() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(60));
        JsonNode lastSeen = ReplayScenario.leaveAndMiss(base, escrow, MISSED);
        double hotBefore = metric(HOT_REPLAYS).orElseThrow();

        ReplayScenario.assertRecoveredThenLive(base, escrow, lastSeen, MISSED);
        assertThat(metric(HOT_REPLAYS).orElseThrow()).as("served from memory").isGreaterThan(hotBefore);
    }

    // Guards the seam: replay and live events merge into one contiguous run of versions while a writer runs.
    @Test
    void shouldLeaveNoGapOrDuplicateAtTheSeamWhileAWriterKeepsChanging() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(90));
        JsonNode lastSeen = ReplayScenario.leaveAndMiss(base, escrow, MISSED);
        SeamCheck.assertSeamWhileWriting(base, escrow, room(escrow), lastSeen, 2 + MISSED, 30, MISSED);
    }

    // Guards resuming the own user room, joined on open without replay: a subscribe with lastEventId recovers it.
    @Test
    void shouldResumeTheOwnUserRoomFromTheLastNotificationSeen() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(10));
        String userRoom = "user:" + escrow.seller();
        try (WsClient observer = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
            awaitWelcome(observer);
            JsonNode lastSeen;
            try (WsClient first = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
                awaitWelcome(first);
                release(escrow, 0);
                lastSeen = notificationsIn(first, userRoom, 1).get(0);
            }
            for (int i = 1; i <= 5; i++) {
                release(escrow, i);
            }
            List<JsonNode> missed = notificationsIn(observer, userRoom, 6).subList(1, 6);

            try (WsClient back = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
                awaitWelcome(back);
                JsonNode reply = subscribed(back, userRoom, lastSeen.path("id").asText());
                assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
                assertThat(reply.path("replayed").asInt()).isEqualTo(5);
                assertThat(ids(notificationsIn(back, userRoom, 5))).containsExactlyElementsOf(ids(missed));
            }
        }
    }

    /** The next {@code count} notifications of milestone releases in {@code userRoom}. */
    private static List<JsonNode> notificationsIn(WsClient client, String userRoom, int count) {
        List<JsonNode> found = new ArrayList<>();
        while (found.size() < count) {
            JsonNode frame = nextInRoom(client, userRoom);
            assertThat(frame.path("type").asText()).as("frame %s", frame).isEqualTo("notification:new");
            // skips notifications of the escrow's set-up that may still arrive
            if ("escrow:milestone_released".equals(frame.path("data").path("kind").asText())) {
                found.add(frame);
            }
        }
        return found;
    }

    // Guards resuming from a subscribe reply's position: a client that saw no event yet loses nothing.
    @Test
    void shouldResumeFromTheSubscribeReplysPositionWhenNoEventWasSeen() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(10));
        String room = room(escrow);
        try (WsClient observer = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
            awaitWelcome(observer);
            subscribed(observer, room, null);
            // once the observer sees this release, the escrow's earlier events are behind the gateway too
            release(escrow, 0);
            long before = RoomFrames.version(escrow);
            eventsThrough(observer, room, before);

            String position;
            try (WsClient first = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
                awaitWelcome(first);
                JsonNode reply = subscribed(first, room, null);
                assertThat(reply.path("recovered").asBoolean()).isFalse();
                position = reply.path("position").asText();
                assertThat(position).isNotBlank();
            }
            for (int i = 1; i <= 5; i++) {
                release(escrow, i);
            }
            eventsThrough(observer, room, before + 5);

            try (WsClient back = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
                awaitWelcome(back);
                JsonNode reply = subscribed(back, room, position);
                assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
                assertThat(reply.path("replayed").asInt()).isEqualTo(5);
                assertThat(versions(eventsInRoom(back, room, 5))).containsExactlyElementsOf(
                        versionsBetween(before + 1, before + 5));
            }
        }
    }
}
