package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The wire rules of CONTRACT 5 with hand-written frames, at the default limit (64 KiB): what is refused is refused
 * with a close frame and its code (1009 too large, 1007 not UTF-8), never by dropping the connection, on both
 * protocols; a refused upgrade is a problem+json 401.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class WireFramingTest {
    static final int LIMIT = 65_536;

    @TestHTTPResource("/")
    URI base;

    // A message of exactly the limit, in one frame, is read and answered.
    @Test
    void shouldAcceptASingleFrameOfExactlyTheLimit() {
        try (RawWebSocket socket = openNative("exact-limit")) {
            socket.sendText(subscribeOfSize(LIMIT));
            JsonNode reply = Json.parse(socket.nextText());
            assertThat(reply.path("code").asText()).isEqualTo("invalid_room");
            assertThat(reply.path("ref").asText()).isEqualTo("big");
        }
    }

    // One frame over the limit (just over, a little over, far over) is closed with 1009 and a reason, not dropped.
    @Test
    void shouldCloseWith1009WhenASingleFrameIsOverTheLimit() {
        for (int size : new int[] { LIMIT + 1, 70_000, 1 << 20 }) {
            try (RawWebSocket socket = openNative("single-" + size)) {
                socket.sendRefusedFrame(RawWebSocket.TEXT, true, subscribeOfSize(size).getBytes(StandardCharsets.UTF_8));
                RawWebSocket.Closed closed = socket.awaitClose();
                assertThat(closed.code()).as("close code for a %d-byte frame", size).isEqualTo(1009);
                assertThat(closed.reason()).isNotBlank();
            }
        }
    }

    // A message over the limit in frames each under it is closed the same way.
    @Test
    void shouldCloseWith1009WhenAFragmentedMessageIsOverTheLimit() {
        byte[] message = subscribeOfSize(LIMIT + 10_000).getBytes(StandardCharsets.UTF_8);
        int half = message.length / 2;
        try (RawWebSocket socket = openNative("fragmented")) {
            socket.sendFrame(RawWebSocket.TEXT, false, Arrays.copyOfRange(message, 0, half));
            socket.sendRefusedFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(message, half, message.length));
            RawWebSocket.Closed closed = socket.awaitClose();
            assertThat(closed.code()).isEqualTo(1009);
            assertThat(closed.reason()).isNotBlank();
        }
    }

    // RFC 6455 8.1: a text frame that is not UTF-8 fails the connection with 1007.
    @Test
    void shouldCloseWith1007WhenATextFrameIsNotUtf8() {
        byte[] invalid = "{\"op\":\"subscribe\",\"room\":\"user:x\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        try (RawWebSocket socket = openNative("not-utf8")) {
            socket.sendFrame(RawWebSocket.TEXT, true, invalid);
            RawWebSocket.Closed closed = socket.awaitClose();
            assertThat(closed.code()).isEqualTo(1007);
            assertThat(closed.reason()).isNotBlank();
        }
        // the same text split inside a two-byte sequence is valid and read as usual
        byte[] valid = "{\"op\":\"subscribe\",\"room\":\"lobby-é\",\"ref\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        int split = new String(valid, StandardCharsets.UTF_8).indexOf('é') + 1;
        try (RawWebSocket socket = openNative("split-utf8")) {
            socket.sendFrame(RawWebSocket.TEXT, false, Arrays.copyOfRange(valid, 0, split));
            socket.sendFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(valid, split, valid.length));
            assertThat(Json.parse(socket.nextText()).path("code").asText()).isEqualTo("invalid_room");
        }
    }

    // The Socket.IO transport has the same limit, announced as maxPayload: one frame over it is closed with 1009.
    @Test
    void shouldCloseASocketIoWebSocketWith1009WhenASingleFrameIsOverMaxPayload() {
        SocketIoFrames.Connected connected = SocketIoFrames.connect(base, "sio-big");
        try (RawWebSocket socket = connected.socket()) {
            assertThat(connected.open().path("maxPayload").asInt()).isEqualTo(LIMIT);
            socket.sendText(SocketIoFrames.subscribeOfSize(LIMIT));
            assertThat(SocketIoFrames.ack(socket).path("code").asText()).isEqualTo("invalid_room");
            byte[] tooLarge = SocketIoFrames.subscribeOfSize(70_027).getBytes(StandardCharsets.UTF_8);
            socket.sendRefusedFrame(RawWebSocket.TEXT, true, tooLarge);
            RawWebSocket.Closed closed = socket.awaitClose();
            assertThat(closed.code()).isEqualTo(1009);
            assertThat(closed.reason()).isNotBlank();
        }
    }

    // Without a token and with a bad one, the refused upgrade is the same problem+json 401 (docs/errors.md).
    @Test
    void shouldRefuseAnUpgradeWithoutOrWithABadTokenWithTheSameProblem() {
        for (Map<String, String> headers : new Map[] { Map.of(),
                Map.of("Authorization", "Bearer " + TestTokens.expired("late")),
                Map.of("Authorization", "Bearer not-a-jwt") }) {
            RawWebSocket.Upgrade refused = RawWebSocket.upgrade(base, "/ws", headers);
            assertThat(refused.status()).as("status with %s", headers.keySet()).isEqualTo(401);
            assertThat(refused.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(refused.headers().get("www-authenticate")).isEqualTo("Bearer");
            JsonNode problem = Json.parse(refused.body());
            assertThat(problem.path("code").asText()).isEqualTo("unauthorized");
            assertThat(problem.path("status").asInt()).isEqualTo(401);
        }
    }

    private RawWebSocket openNative(String user) {
        RawWebSocket socket = RawWebSocket.open(base, "/ws", Map.of("Authorization", "Bearer " + TestTokens.forUser(user)));
        assertThat(Json.parse(socket.nextText()).path("type").asText()).isEqualTo("welcome");
        return socket;
    }

    /** A subscribe frame of exactly {@code bytes} bytes (ASCII), whose room is invalid. */
    static String subscribeOfSize(int bytes) {
        String head = "{\"op\":\"subscribe\",\"ref\":\"big\",\"room\":\"";
        String tail = "\"}";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }
}
