package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Engine.IO session over a stub WebSocket, time driven by hand: the open packet, the heartbeat and its
 * timeout, the client's close, packets Engine.IO does not know, and what closing does to the Socket.IO socket.
 */
class EngineSocketTest {
    private static final long PING_INTERVAL_MS = 25_000;
    private static final long PING_TIMEOUT_MS = 20_000;

    private final StubSocketIoServer stub = new StubSocketIoServer(Map.of("escrow.socketio.ping-interval", "25s",
            "escrow.socketio.ping-timeout", "20s", "escrow.socketio.connect-timeout", "1d"));

    private RecordingTransport open() {
        RecordingTransport client = stub.openWebSocket();
        assertThat(client.next()).startsWith("0{");
        return client;
    }

    @Test
    void shouldOpenWithTheSidTheHeartbeatAndNoUpgrades() {
        RecordingTransport client = stub.openWebSocket();

        JsonNode open = Json.parse(client.next().substring(1));

        assertThat(open.path("sid").asText()).isEqualTo(client.engine().sid);
        assertThat(open.path("upgrades")).isEmpty();
        assertThat(open.path("pingInterval").asLong()).isEqualTo(PING_INTERVAL_MS);
        assertThat(open.path("pingTimeout").asLong()).isEqualTo(PING_TIMEOUT_MS);
        assertThat(stub.server.findEngineSocket(client.engine().sid)).isSameAs(client.engine());
    }

    @Test
    void shouldPingEveryIntervalWhileTheClientAnswersPong() {
        RecordingTransport client = open();

        for (int round = 0; round < 3; round++) {
            stub.timers.advance(PING_INTERVAL_MS - 1);
            assertThat(client.unread()).isEmpty();
            stub.timers.advance(1);
            assertThat(client.next()).isEqualTo("2");
            stub.timers.advance(PING_TIMEOUT_MS - 1);
            client.receive("3");
        }

        stub.timers.advance(PING_TIMEOUT_MS);
        assertThat(client.closeCode()).isNull();
    }

    @Test
    void shouldCloseWhenThePongDoesNotComeWithinThePingTimeout() {
        RecordingTransport client = open();
        client.receive("40{\"token\":\"" + TestTokens.forUser("u1") + "\"}");
        assertThat(stub.hub.socketCount()).isEqualTo(1);

        stub.timers.advance(PING_INTERVAL_MS);
        stub.timers.advance(PING_TIMEOUT_MS - 1);
        assertThat(client.closeCode()).isNull();
        stub.timers.advance(1);

        assertThat(client.closeCode()).isEqualTo(CloseCodes.GOING_AWAY);
        assertThat(client.closeReason()).isEqualTo("ping timeout");
        assertThat(stub.server.findEngineSocket(client.engine().sid)).isNull();
        assertThat(stub.hub.socketCount()).as("the Socket.IO socket left the hub").isZero();
    }

    @Test
    void shouldCloseNormallyOnTheClientsClosePacket() {
        RecordingTransport client = open();

        client.receive("1");

        assertThat(client.closeCode()).isEqualTo(CloseCodes.NORMAL);
        assertThat(stub.server.findEngineSocket(client.engine().sid)).isNull();
    }

    @Test
    void shouldCloseWithProtocolErrorOnAnEmptyOrUnknownPacket() {
        RecordingTransport empty = open();
        RecordingTransport unknown = open();

        empty.receive("");
        unknown.receive("9");

        assertThat(empty.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        assertThat(unknown.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
        assertThat(stub.protocolCloses(CloseCodes.PROTOCOL_ERROR)).isEqualTo(2);
    }

    @Test
    void shouldCloseWithUnsupportedDataOnABinaryFrame() {
        RecordingTransport client = open();

        client.engine().onWebSocketBinary(client);

        assertThat(client.closeCode()).isEqualTo(CloseCodes.UNSUPPORTED_DATA);
        assertThat(stub.protocolCloses(CloseCodes.UNSUPPORTED_DATA)).isEqualTo(1);
    }

    @Test
    void shouldLeaveTheHubAndSendNothingMoreOnceTheTransportClosed() {
        RecordingTransport client = open();
        client.receive("40{\"token\":\"" + TestTokens.forUser("u1") + "\"}");
        client.next(); // CONNECT
        client.next(); // the own room's offset

        client.engine().onWebSocketClosed(client);
        client.engine().send("42[\"late\"]", null);
        stub.timers.advance(PING_INTERVAL_MS + PING_TIMEOUT_MS);

        assertThat(stub.hub.socketCount()).isZero();
        assertThat(client.unread()).as("no ping, no late packet after the close").isEmpty();
    }

    @Test
    void shouldRunTheWrittenCallbackOfAPacketSentAfterTheClose() {
        RecordingTransport client = open();
        client.receive("1");
        boolean[] written = new boolean[1];

        client.engine().send("42[\"late\"]", () -> written[0] = true);

        assertThat(written[0]).as("the packet is dropped, and its budget released").isTrue();
        assertThat(client.unread()).isEmpty();
    }
}
