package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.nextInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.seeTwoEventsThenLeave;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribe;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.GatewayLimits;
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
 * Resume with {@code lastEventId} when the in-memory window holds only 5 events per partition, so missed events
 * come from Kafka seeks (CONTRACT 6, cold path); and the two ways a resume is refused: too many missed events
 * ({@code recovered:false}, nothing replayed) and an id of another room ({@code invalid_event_id}).
 */
@QuarkusTest
@TestProfile(GatewayLimits.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeColdReplayTest {
    static final int MISSED = 50;
    static final int MAX_REPLAY = GatewayLimits.MAX_REPLAY;
    static final String COLD_REPLAYS = "escrow_gateway_replays_total{path=\"cold\"";
    static final String UNRECOVERED_REPLAYS = "escrow_gateway_replays_total{path=\"unrecovered\"";


    @TestHTTPResource("/")
    URI base;

    // Guards the cold path: 50 missed events no longer in memory are read back from Kafka, once and in order.
    @Test
    void shouldReplayMissedEventsFromKafkaWhenTheWindowNoLongerHoldsThem() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(60));
        JsonNode lastSeen = ReplayScenario.leaveAndMiss(base, escrow, MISSED);
        double coldBefore = metric(COLD_REPLAYS).orElseThrow();

        ReplayScenario.assertRecoveredThenLive(base, escrow, lastSeen, MISSED);
        assertThat(metric(COLD_REPLAYS).orElseThrow()).as("served by the Kafka reader").isGreaterThan(coldBefore);
    }

    // Guards the seam on the cold path: a Kafka replay merges with live events of a running writer, gap-free.
    @Test
    void shouldLeaveNoGapOrDuplicateAtTheSeamWhenReplayingFromKafkaWhileAWriterKeepsChanging() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(70));
        JsonNode lastSeen = ReplayScenario.leaveAndMiss(base, escrow, MISSED);
        double coldBefore = metric(COLD_REPLAYS).orElseThrow();

        // 50 missed + at most 10 written before the read stays within the replay limit of 60
        SeamCheck.assertSeamWhileWriting(base, escrow, room(escrow), lastSeen, 2 + MISSED, MAX_REPLAY - MISSED, MISSED);
        assertThat(metric(COLD_REPLAYS).orElseThrow()).as("served by the Kafka reader").isGreaterThan(coldBefore);
    }

    // Guards "no partial replay": more missed events than max-replay-events gives recovered:false and only live frames.
    @Test
    void shouldAnswerNotRecoveredAndReplayNothingWhenMoreEventsWereMissedThanTheLimit() {
        int missed = MAX_REPLAY + 10;
        EscrowScenario escrow = EscrowScenario.funded(amounts(missed + 4));
        String room = room(escrow);
        JsonNode lastSeen = ReplayScenario.leaveAndMiss(base, escrow, missed);
        double unrecoveredBefore = metric(UNRECOVERED_REPLAYS).orElseThrow();

        try (WsClient back = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
            awaitWelcome(back);
            JsonNode reply = subscribed(back, room, lastSeen.path("id").asText());
            assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isFalse();
            assertThat(reply.path("replayed").asInt()).isZero();
            assertThat(reply.path("position").asText()).isNotBlank();
            assertThat(metric(UNRECOVERED_REPLAYS).orElseThrow()).isGreaterThan(unrecoveredBefore);

            // the next frame of the room is the next live change, nothing of what was missed
            release(escrow, 2 + missed);
            JsonNode next = nextInRoom(back, room);
            assertThat(version(next)).as("frame after recovered:false: %s", next)
                    .isEqualTo(version(lastSeen) + missed + 1);
        }
    }

    // Guards CONTRACT 6: an id from one room presented for another room is refused with invalid_event_id.
    @Test
    void shouldRefuseAnEventIdOfAnotherRoomWithInvalidEventId() {
        EscrowScenario escrow = EscrowScenario.funded(amounts(3));
        EscrowScenario other = EscrowScenario.funded(amounts(3));
        String room = room(escrow);
        JsonNode seen = seeTwoEventsThenLeave(base, escrow);
        try (WsClient client = WsClient.connect(base, TestTokens.support(Api.uniqueUser("support")))) {
            awaitWelcome(client);
            JsonNode refused = subscribe(client, room(other), seen.path("id").asText());
            assertThat(refused.path("type").asText()).as("reply %s", refused).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("invalid_event_id");

            // the same id is still good for its own room
            JsonNode reply = subscribed(client, room, seen.path("id").asText());
            assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
        }
    }

}
