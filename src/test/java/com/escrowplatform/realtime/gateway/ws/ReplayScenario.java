package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.ids;
import static com.escrowplatform.realtime.testsupport.RoomFrames.nextInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.seeTwoEventsThenLeave;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versionsBetween;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The replay story the hot and cold replay tests share: the buyer sees two releases and leaves, {@code missed}
 * more happen, the buyer comes back with its last event id. Which path serves the replay is the test's setting.
 */
final class ReplayScenario {
    private ReplayScenario() {
    }

    /**
     * The buyer sees milestones 0 and 1 released and leaves; milestones 2 .. 2+missed-1 are released while it is
     * away. Returns the last frame the buyer saw, once a second party (the seller) has seen every missed event:
     * by then the gateway published them all.
     */
    static JsonNode leaveAndMiss(URI base, EscrowScenario escrow, int missed) {
        String room = room(escrow);
        try (WsClient observer = WsClient.connect(base, TestTokens.forUser(escrow.seller()))) {
            awaitWelcome(observer);
            subscribed(observer, room, null);
            JsonNode lastSeen = seeTwoEventsThenLeave(base, escrow);
            for (int i = 2; i < 2 + missed; i++) {
                release(escrow, i);
            }
            eventsThrough(observer, room, version(lastSeen) + missed);
            return lastSeen;
        }
    }

    /**
     * The buyer subscribes again with {@code lastSeen}: {@code recovered:true, replayed:missed}, exactly the
     * missed events in order and once each, then the next release arrives live.
     */
    static void assertRecoveredThenLive(URI base, EscrowScenario escrow, JsonNode lastSeen, int missed) {
        String room = room(escrow);
        try (WsClient back = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
            awaitWelcome(back);
            JsonNode reply = subscribed(back, room, lastSeen.path("id").asText());
            assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
            assertThat(reply.path("replayed").asInt()).isEqualTo(missed);

            List<JsonNode> replayed = eventsInRoom(back, room, missed);
            assertThat(versions(replayed)).containsExactlyElementsOf(
                    versionsBetween(version(lastSeen) + 1, version(lastSeen) + missed));
            assertThat(ids(replayed)).doesNotHaveDuplicates().doesNotContain(lastSeen.path("id").asText());

            release(escrow, 2 + missed);
            JsonNode live = nextInRoom(back, room);
            assertThat(version(live)).as("first live frame %s", live).isEqualTo(version(lastSeen) + missed + 1);
            assertThat(live.path("type").asText()).isEqualTo("escrow:milestone_released");
        }
    }
}
