package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.gateway.ws.WireFramingTest.subscribeOfSize;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.GatewayLimits;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** With {@code escrow.gateway.max-frame-bytes} raised, both protocols accept single frames up to it and refuse above with 1009. */
@QuarkusTest
@TestProfile(GatewayLimits.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class WireFramingLargeLimitTest {
    static final int LIMIT = GatewayLimits.MAX_FRAME_BYTES;

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldAcceptSingleFramesUpToTheConfiguredLimitAndCloseWith1009Above() {
        try (RawWebSocket socket = RawWebSocket.open(base, "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.forUser("large-frames")))) {
            socket.nextText(); // welcome
            socket.sendText(subscribeOfSize(70_000));
            assertThat(Json.parse(socket.nextText()).path("code").asText()).isEqualTo("invalid_room");
            socket.sendText(subscribeOfSize(LIMIT));
            assertThat(Json.parse(socket.nextText()).path("code").asText()).isEqualTo("invalid_room");
            socket.sendRefusedFrame(RawWebSocket.TEXT, true, subscribeOfSize(LIMIT + 1).getBytes(StandardCharsets.US_ASCII));
            RawWebSocket.Closed closed = socket.awaitClose();
            assertThat(closed.code()).isEqualTo(1009);
            assertThat(closed.reason()).isNotBlank();
        }
        byte[] message = subscribeOfSize(LIMIT + 1).getBytes(StandardCharsets.US_ASCII);
        try (RawWebSocket socket = RawWebSocket.open(base, "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.forUser("large-fragments")))) {
            socket.nextText();
            socket.sendFrame(RawWebSocket.TEXT, false, Arrays.copyOfRange(message, 0, 500_000));
            socket.sendRefusedFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(message, 500_000, message.length));
            assertThat(socket.awaitClose().code()).isEqualTo(1009);
        }
    }

    // What Socket.IO announces as maxPayload is what its WebSocket transport accepts in one frame.
    @Test
    void shouldAcceptWhatSocketIoAnnouncesAsMaxPayload() {
        SocketIoFrames.Connected connected = SocketIoFrames.connect(base, "sio-large");
        try (RawWebSocket socket = connected.socket()) {
            int maxPayload = connected.open().path("maxPayload").asInt();
            assertThat(maxPayload).isEqualTo(LIMIT);
            socket.sendText(SocketIoFrames.subscribeOfSize(70_000));
            assertThat(SocketIoFrames.ack(socket).path("code").asText()).isEqualTo("invalid_room");
            socket.sendText(SocketIoFrames.subscribeOfSize(maxPayload));
            assertThat(SocketIoFrames.ack(socket).path("code").asText()).isEqualTo("invalid_room");
            socket.sendText(SocketIoFrames.subscribeOfSize(maxPayload + 1));
            assertThat(socket.awaitClose().code()).isEqualTo(1009);
        }
    }
}
