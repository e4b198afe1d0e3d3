package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Socket.IO socket's packet dispatch, driven packet by packet over a stub WebSocket (no server, no
 * Kafka): CONNECT, subscribe / unsubscribe with acks, unknown events, malformed packets, DISCONNECT and the
 * timers of a connection. The wire-level tests (SocketIoRawProtocolTest, SocketIoClientTest) cover the same
 * protocol end to end.
 */
class SocketIoPeerTest {
    private static final String ESCROW_ROOM = "escrow:" + StubSocketIoServer.ESCROW;

    /** The Engine.IO heartbeat is EngineSocketTest's: here it never comes due. */
    private final StubSocketIoServer stub = new StubSocketIoServer(
            Map.of("escrow.socketio.connect-timeout", "45s", "escrow.socketio.ping-interval", "1d"));

    /** An open Engine.IO session whose open packet has been read. */
    private RecordingTransport open() {
        RecordingTransport client = stub.openWebSocket();
        assertThat(client.next()).startsWith("0{");
        return client;
    }

    /** Connected as {@code user}; the CONNECT reply and the own room's offset event have been read. */
    private RecordingTransport connected(String user) {
        RecordingTransport client = open();
        client.receive("40{\"token\":\"" + TestTokens.forUser(user) + "\"}");
        assertThat(client.next()).startsWith("40{\"sid\":");
        assertThat(client.next()).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",");
        return client;
    }

    private static JsonNode ackBody(String frame, long ackId) {
        assertThat(frame).startsWith("43" + ackId + "[");
        return Json.parse(frame.substring(("43" + ackId).length())).get(0);
    }

    @Test
    void shouldAnswerAValidTokenWithConnectCarryingTheSidAndAPid() {
        RecordingTransport client = open();

        client.receive("40{\"token\":\"" + TestTokens.forUser("u1") + "\"}");

        JsonNode reply = Json.parse(client.next().substring(2));
        assertThat(reply.path("sid").asText()).isEqualTo(client.engine().sid);
        assertThat(reply.path("pid").asText()).isNotEmpty();
        assertThat(client.next()).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",\"");
        assertThat(stub.hub.socketCount()).isEqualTo(1);
        assertThat(stub.hub.subscriptionCount()).isEqualTo(1); // the own user room
        assertThat(client.closeCode()).isNull();
    }

    @Test
    void shouldAnswerABadOrMissingTokenWithConnectErrorAndStayOpen() {
        RecordingTransport client = open();

        client.receive("40{\"token\":\"" + TestTokens.unknownKey("u1") + "\"}");
        assertThat(client.next()).isEqualTo("44{\"message\":\"unauthorized\"}");
        client.receive("40");
        assertThat(client.next()).isEqualTo("44{\"message\":\"unauthorized\"}");

        assertThat(stub.hub.socketCount()).isZero();
        assertThat(client.closeCode()).isNull();
        assertThat(stub.counter("escrow.socketio.connects.refused")).isEqualTo(2);
    }

    @Test
    void shouldAnswerTheFifthRefusedConnectAndThenCloseWithPolicyViolation() {
        RecordingTransport client = open();

        for (int refused = 1; refused <= 4; refused++) {
            client.receive("40{\"token\":\"not-a-token\"}");
            assertThat(client.next()).isEqualTo("44{\"message\":\"unauthorized\"}");
            assertThat(client.closeCode()).as("open after %d refused", refused).isNull();
        }
        client.receive("40{\"token\":\"not-a-token\"}");

        assertThat(client.next()).isEqualTo("44{\"message\":\"unauthorized\"}");
        assertThat(client.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        assertThat(stub.counter("escrow.socketio.connects.refused")).isEqualTo(5);
        assertThat(stub.counter("escrow.socketio.refused.connect.closes")).isEqualTo(1);
        assertThat(stub.hub.socketCount()).isZero();
    }

    @Test
    void shouldRefuseAConnectToAnotherNamespace() {
        RecordingTransport client = open();

        client.receive("40/admin,{\"token\":\"" + TestTokens.forUser("u1") + "\"}");

        assertThat(client.next()).isEqualTo("44/admin,{\"message\":\"Invalid namespace\"}");
        assertThat(stub.hub.socketCount()).isZero();
    }

    @Test
    void shouldAckASubscribeThenDeliverTheRoomsEventsInOrderEachWithAnOffset() {
        RecordingTransport client = connected(StubSocketIoServer.BUYER);

        client.receive("421[\"subscribe\",{\"room\":\"" + ESCROW_ROOM + "\"}]");

        JsonNode ack = ackBody(client.next(), 1);
        assertThat(ack.path("ok").asBoolean()).isTrue();
        assertThat(ack.path("recovered").asBoolean()).isFalse();
        assertThat(ack.path("replayed").asInt()).isZero();
        assertThat(ack.path("position").asText()).isNotEmpty();
        assertThat(client.next()).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",");

        for (long offset = 0; offset < 3; offset++) {
            stub.hub.publish(StubSocketIoServer.escrowEvent(offset));
        }
        for (long offset = 0; offset < 3; offset++) {
            JsonNode event = Json.parse(client.next().substring(2));
            assertThat(event.get(0).asText()).isEqualTo("escrow:status_changed");
            assertThat(event.get(1).path("room").asText()).isEqualTo(ESCROW_ROOM);
            assertThat(event.get(1).path("data").path("version").asLong()).isEqualTo(offset);
            assertThat(event.get(2).asText()).as("the recovery offset, last argument").isNotEmpty();
        }
        assertThat(client.unread()).isEmpty();
    }

    @Test
    void shouldAckARefusedSubscribeWithTheContractsCode() {
        RecordingTransport client = connected("not-a-party");

        client.receive("427[\"subscribe\",{\"room\":\"" + ESCROW_ROOM + "\"}]");
        JsonNode forbidden = ackBody(client.next(), 7);
        client.receive("428[\"subscribe\",{\"room\":\"lobby\"}]");
        JsonNode invalid = ackBody(client.next(), 8);

        assertThat(forbidden.path("ok").asBoolean()).isFalse();
        assertThat(forbidden.path("code").asText()).isEqualTo("forbidden");
        assertThat(invalid.path("code").asText()).isEqualTo("invalid_room");
        assertThat(client.unread()).isEmpty();
    }

    @Test
    void shouldAckAnUnsubscribeAndDeliverNothingOfTheRoomAfterIt() {
        RecordingTransport client = connected(StubSocketIoServer.BUYER);
        client.receive("421[\"subscribe\",{\"room\":\"" + ESCROW_ROOM + "\"}]");
        client.next(); // the ack
        client.next(); // the offset

        client.receive("422[\"unsubscribe\",{\"room\":\"" + ESCROW_ROOM + "\"}]");

        JsonNode ack = ackBody(client.next(), 2);
        assertThat(ack.path("ok").asBoolean()).isTrue();
        assertThat(ack.path("room").asText()).isEqualTo(ESCROW_ROOM);
        assertThat(client.next()).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",");
        stub.hub.publish(StubSocketIoServer.escrowEvent(0));
        assertThat(client.unread()).isEmpty();
    }

    // Guards the room parsed where the event comes in: an escrow room of no UUID is refused as before, and an
    // unsubscribe from a name that is no room is acked as it always was.
    @Test
    void shouldRefuseAnEscrowRoomOfNoUuidAndAckAnUnsubscribeFromANameThatIsNoRoom() {
        RecordingTransport client = connected(StubSocketIoServer.BUYER);

        client.receive("425[\"subscribe\",{\"room\":\"escrow:not-a-uuid\"}]");
        JsonNode refused = ackBody(client.next(), 5);
        client.receive("426[\"unsubscribe\",{\"room\":\"lobby\"}]");
        JsonNode left = ackBody(client.next(), 6);

        assertThat(refused.path("ok").asBoolean()).isFalse();
        assertThat(refused.path("code").asText()).isEqualTo("invalid_room");
        assertThat(refused.path("message").asText()).isEqualTo("not a room: escrow:not-a-uuid");
        assertThat(left.path("ok").asBoolean()).isTrue();
        assertThat(left.path("room").asText()).isEqualTo("lobby");
        assertThat(client.next()).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",");
        assertThat(client.closeCode()).isNull();
    }

    @Test
    void shouldAckAnUnknownEventOrABadBodyAsBadRequest() {
        RecordingTransport client = connected("u1");

        client.receive("423[\"dance\",{}]");
        JsonNode unknown = ackBody(client.next(), 3);
        client.receive("424[\"subscribe\",\"user:u1\"]");
        JsonNode notAnObject = ackBody(client.next(), 4);

        assertThat(unknown.path("code").asText()).isEqualTo("bad_request");
        assertThat(unknown.path("message").asText()).isEqualTo("unknown event: dance");
        assertThat(notAnObject.path("code").asText()).isEqualTo("bad_request");
        assertThat(client.closeCode()).isNull();
    }

    @Test
    void shouldCloseWithProtocolErrorOnAMalformedPacketAndLeaveTheHub() {
        RecordingTransport client = connected("u1");

        client.receive("42[1]");

        assertThat(client.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        assertThat(client.closeReason()).startsWith("malformed packet");
        assertThat(stub.protocolCloses(CloseCodes.PROTOCOL_ERROR)).isEqualTo(1);
        assertThat(stub.hub.socketCount()).isZero();
    }

    @Test
    void shouldCloseWithUnsupportedDataOnABinaryPacket() {
        RecordingTransport client = connected("u1");

        client.receive("451-[\"subscribe\",{\"_placeholder\":true,\"num\":0}]");

        assertThat(client.closeCode()).isEqualTo(CloseCodes.UNSUPPORTED_DATA);
        assertThat(stub.protocolCloses(CloseCodes.UNSUPPORTED_DATA)).isEqualTo(1);
    }

    @Test
    void shouldLeaveTheHubOnDisconnectAndCloseWhenNoConnectFollowsInTime() {
        RecordingTransport client = connected("u1");

        client.receive("41");
        assertThat(stub.hub.socketCount()).isZero();
        assertThat(client.closeCode()).isNull();

        stub.timers.advance(45_000);
        assertThat(client.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        assertThat(client.closeReason()).isEqualTo("connect timeout");
    }

    @Test
    void shouldCloseASessionThatNeverConnectsAfterTheConnectTimeout() {
        RecordingTransport client = open();

        stub.timers.advance(44_999);
        assertThat(client.closeCode()).isNull();
        stub.timers.advance(1);

        assertThat(client.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        assertThat(stub.counter("escrow.socketio.connect.timeouts")).isEqualTo(1);
    }

    @Test
    void shouldCloseWhenTheTokenExpires() {
        RecordingTransport client = open();
        client.receive("40{\"token\":\"" + TestTokens.expiringIn("u1", Duration.ofMinutes(10)) + "\"}");
        assertThat(client.next()).startsWith("40{");

        stub.timers.advance(11 * 60_000);

        assertThat(client.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
        assertThat(client.closeReason()).isEqualTo("authentication expired");
        assertThat(stub.hub.socketCount()).isZero();
    }

    @Test
    void shouldCloseTheTransportWhenTheHubClosesThePeer() {
        RecordingTransport client = connected("u1");

        client.engine().peer().close(4008, "too slow");

        assertThat(client.closeCode()).isEqualTo(4008);
        assertThat(stub.hub.socketCount()).isZero();
    }
}
