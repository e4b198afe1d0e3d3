package com.escrowplatform.realtime.gateway.socketio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.escrowplatform.realtime.gateway.event.FrameCodec;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The text packets of Engine.IO v4 and Socket.IO v5, as far as this server speaks them (no binary packets).
 *
 * <p>An Engine.IO packet is one type digit and a payload: {@code 0} open, {@code 1} close, {@code 2} ping,
 * {@code 3} pong, {@code 4} message, {@code 5} upgrade, {@code 6} noop. A message carries one Socket.IO
 * packet: a type digit, an optional namespace ending in {@code ,}, an optional ack id, an optional JSON
 * payload, e.g. {@code 42["subscribe",{"room":"user:u1"}]} or {@code 4317[{"ok":true}]}.
 *
 * <p>The builders below return whole Engine.IO packets (a Socket.IO packet inside an Engine.IO message, hence
 * the leading {@code 4}), ready for the transport.
 *
 * <p>Pure functions, any thread.
 */
final class SocketIoPackets {

    static final char ENGINE_OPEN = '0';
    static final char ENGINE_CLOSE = '1';
    static final char ENGINE_PING = '2';
    static final char ENGINE_PONG = '3';
    static final char ENGINE_MESSAGE = '4';
    static final char ENGINE_UPGRADE = '5';
    static final char ENGINE_NOOP = '6';
    /** A base64 binary message on long-polling ({@code b…}); not supported. */
    static final char ENGINE_BINARY = 'b';

    static final int CONNECT = 0;
    static final int DISCONNECT = 1;
    static final int EVENT = 2;
    static final int ACK = 3;
    static final int CONNECT_ERROR = 4;

    /** Separates packets in one long-polling body (Engine.IO v4). */
    static final char RECORD_SEPARATOR = '\u001e';

    static final String MAIN_NAMESPACE = "/";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads a client's payload whole: anything after the JSON value makes the packet malformed. */
    private static final ObjectReader PAYLOAD_READER = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

    /**
     * The part of an event's Engine.IO packet every socket shares: {@code 42["<type>",{"id","room","data"}}
     * (Engine.IO message, Socket.IO event) without the closing bracket, so that a socket can append its
     * recovery offset. One shared instance: built once per event, whatever the number of sockets
     * ({@link GatewayEvent#encodedFor}).
     */
    static final FrameCodec<ByteBuffer> EVENT_PREFIX =
            event -> GatewayEvent.sharedFrame(eventPrefix(event).getBytes(StandardCharsets.UTF_8));

    private SocketIoPackets() {
    }

    /** A Socket.IO packet from a client. {@code ackId} is -1 when the client wants no ack. */
    record Packet(int type, String namespace, long ackId, JsonNode data) {
    }

    /** A packet that breaks the protocol: the connection is closed. */
    static class MalformedPacket extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedPacket(String message) {
            super(message, null, false, false);
        }
    }

    /** A well-formed binary packet ({@code BINARY_EVENT}, {@code BINARY_ACK}): not supported, the connection is closed. */
    static final class BinaryPacket extends MalformedPacket {
        private static final long serialVersionUID = 1L;

        BinaryPacket() {
            super("binary packets are not supported");
        }
    }

    /** Parses the payload of an Engine.IO message (type 4) as a Socket.IO packet from a client. */
    static Packet parse(String text) {
        if (text.isEmpty()) {
            throw new MalformedPacket("empty packet");
        }
        int type = text.charAt(0) - '0';
        if (type < CONNECT || type > 6) {
            throw new MalformedPacket("unknown packet type");
        }
        if (type > CONNECT_ERROR) {
            throw new BinaryPacket();
        }
        int at = 1;
        String namespace = MAIN_NAMESPACE;
        if (at < text.length() && text.charAt(at) == '/') {
            int comma = text.indexOf(',', at);
            namespace = comma < 0 ? text.substring(at) : text.substring(at, comma);
            at = comma < 0 ? text.length() : comma + 1;
        }
        long ackId = -1;
        int digitsFrom = at;
        while (at < text.length() && Character.isDigit(text.charAt(at))) {
            at++;
        }
        if (at > digitsFrom) {
            if (at - digitsFrom > 15) {
                throw new MalformedPacket("ack id too long");
            }
            ackId = Long.parseLong(text, digitsFrom, at, 10);
        }
        JsonNode data = null;
        if (at < text.length()) {
            try {
                data = PAYLOAD_READER.readTree(text.substring(at));
            } catch (IOException e) {
                throw new MalformedPacket("payload is not JSON");
            }
        }
        if (!payloadFits(type, data)) {
            throw new MalformedPacket("payload does not fit the packet type");
        }
        return new Packet(type, namespace, ackId, data);
    }

    private static boolean payloadFits(int type, JsonNode data) {
        switch (type) {
            case CONNECT:
                return data == null || data.isObject();
            case DISCONNECT:
                return data == null;
            case EVENT:
                return data != null && data.isArray() && data.size() > 0 && data.get(0).isTextual();
            case ACK:
                return data != null && data.isArray();
            default:
                return false; // CONNECT_ERROR goes from server to client only
        }
    }

    /** The Engine.IO open packet: {@code 0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}}. */
    static String open(String sid, boolean upgradeToWebSocket, long pingIntervalMillis, long pingTimeoutMillis,
            int maxPayload) {
        ObjectNode open = JSON.createObjectNode().put("sid", sid);
        if (upgradeToWebSocket) {
            open.putArray("upgrades").add("websocket");
        } else {
            open.putArray("upgrades");
        }
        open.put("pingInterval", pingIntervalMillis).put("pingTimeout", pingTimeoutMillis).put("maxPayload", maxPayload);
        return ENGINE_OPEN + open.toString();
    }

    /** CONNECT reply: {@code 40{"sid":…,"pid":…}}; {@code pid} may be null (no recovery). */
    static String connected(String sid, String pid) {
        ObjectNode body = JSON.createObjectNode().put("sid", sid);
        if (pid != null) {
            body.put("pid", pid);
        }
        return "40" + body;
    }

    /** CONNECT_ERROR for {@code namespace}: {@code 44{"message":…}} or {@code 44/admin,{"message":…}}. */
    static String connectError(String namespace, String message) {
        String prefix = MAIN_NAMESPACE.equals(namespace) ? "44" : "44" + namespace + ",";
        return prefix + JSON.createObjectNode().put("message", message);
    }

    /** ACK with one argument: {@code 43<id>[<body>]}. */
    static String ack(long ackId, JsonNode body) {
        return "43" + ackId + "[" + body + "]";
    }

    /** DISCONNECT of the main namespace, sent by the server. */
    static String disconnect() {
        return "41";
    }

    /** An event with no argument but the recovery offset: {@code 42["<name>","<offset>"]}. */
    static String offsetOnly(String eventName, String offset) {
        return "42[" + quote(eventName) + "," + quote(offset) + "]";
    }

    /**
     * What completes an event's shared prefix ({@link #EVENT_PREFIX}) for one socket: the recovery offset as the
     * event's last argument (the official client keeps the last string argument as its offset), or nothing.
     */
    static String eventTail(String offset) {
        // offsets are URL-safe Base64: no quoting needed
        return offset == null ? "]" : ",\"" + offset + "\"]";
    }

    /** Joins packets into one long-polling response body. */
    static String joinForPolling(Iterable<String> packets) {
        StringBuilder body = new StringBuilder();
        for (String packet : packets) {
            if (body.length() > 0) {
                body.append(RECORD_SEPARATOR);
            }
            body.append(packet);
        }
        return body.toString();
    }

    private static String eventPrefix(GatewayEvent event) {
        StringBuilder out = new StringBuilder(event.sizeBytes() + 32);
        out.append("42[").append(quote(event.type())).append(",{\"id\":").append(quote(event.id()))
                .append(",\"room\":").append(quote(event.room())).append(",\"data\":").append(event.dataJson())
                .append('}');
        return out.toString();
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        QUOTER.quoteAsString(value, out);
        return out.append('"').toString();
    }
}
