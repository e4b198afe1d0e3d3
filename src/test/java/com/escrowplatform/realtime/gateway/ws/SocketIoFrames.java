package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/** Socket.IO over a {@link RawWebSocket}, just enough to reach a connected socket and measure frame limits. */
public final class SocketIoFrames {
    private SocketIoFrames() {
    }

    /** A connected Socket.IO socket and the Engine.IO open packet's fields. */
    public record Connected(RawWebSocket socket, JsonNode open) {
    }

    /** Opens {@code /socket.io/} over WebSocket and sends a CONNECT with a token for {@code user}. */
    public static Connected connect(URI base, String user) {
        RawWebSocket socket = RawWebSocket.open(base, "/socket.io/?EIO=4&transport=websocket", Map.of());
        String open = socket.nextText();
        assertThat(open).startsWith("0");
        socket.sendText("40{\"token\":\"" + TestTokens.forUser(user) + "\"}");
        assertThat(nextSocketIo(socket)).startsWith("40{");
        return new Connected(socket, Json.parse(open.substring(1)));
    }

    /** A {@code subscribe} event with ack id 1, exactly {@code bytes} bytes (ASCII), whose room is invalid. */
    static String subscribeOfSize(int bytes) {
        String head = "421[\"subscribe\",{\"room\":\"";
        String tail = "\"}]";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }

    /** The next ack's first argument. */
    static JsonNode ack(RawWebSocket socket) {
        String packet = nextSocketIo(socket);
        assertThat(packet).startsWith("431[");
        return Json.parse(packet.substring(3)).get(0);
    }

    /** The next Socket.IO packet, answering Engine.IO pings and skipping server events. */
    private static String nextSocketIo(RawWebSocket socket) {
        while (true) {
            String frame = socket.nextText();
            if (frame.equals("2")) {
                socket.sendText("3");
            } else if (!frame.startsWith("42")) {
                return frame;
            }
        }
    }
}
