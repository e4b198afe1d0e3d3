package com.escrowplatform.realtime.gateway.ws;

import java.io.IOException;

import com.escrowplatform.realtime.gateway.Subscribed;
import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The native protocol's JSON frames (CONTRACT 5): client frames parsed and checked, server replies written.
 * Event frames are not here: {@code GatewayEvent#nativeFrame()} builds each once for all sockets.
 */
final class NativeFrames {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NativeFrames() {
    }

    /** A client frame: {@code {"op":"subscribe"|"unsubscribe","room","lastEventId"?,"ref"?}}. */
    record ClientFrame(String op, String room, String lastEventId, JsonNode ref) {
    }

    /** @throws GatewayException {@code bad_request} for anything that is not a well-formed client frame */
    static ClientFrame parse(String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (IOException e) {
            throw badRequest("the frame is not valid JSON", null);
        }
        if (frame == null || !frame.isObject()) {
            throw badRequest("the frame must be a JSON object", null);
        }
        JsonNode ref = frame.get("ref");
        if (ref != null && !ref.isValueNode()) {
            throw badRequest("ref must be a string or a number", null);
        }
        String op = text(frame, "op", ref);
        if (!"subscribe".equals(op) && !"unsubscribe".equals(op)) {
            throw new RefusedFrame(ErrorCode.BAD_REQUEST, "op must be subscribe or unsubscribe", ref);
        }
        String room = text(frame, "room", ref);
        if (room == null) {
            throw new RefusedFrame(ErrorCode.BAD_REQUEST, "room is required", ref);
        }
        String lastEventId = text(frame, "lastEventId", ref);
        return new ClientFrame(op, room, lastEventId, ref);
    }

    static String welcome(String connectionId, String userId, String expiresAt) {
        ObjectNode frame = JSON.createObjectNode().put("type", "welcome").put("sessionId", connectionId)
                .put("userId", userId);
        frame.put("expiresAt", expiresAt);
        return frame.toString();
    }

    static String subscribed(Subscribed reply, JsonNode ref) {
        ObjectNode frame = JSON.createObjectNode().put("type", "subscribed").put("room", reply.room());
        frame.set("ref", ref);
        frame.put("recovered", reply.recovered()).put("replayed", reply.replayed()).put("position", reply.position());
        return frame.toString();
    }

    static String unsubscribed(String room, JsonNode ref) {
        ObjectNode frame = JSON.createObjectNode().put("type", "unsubscribed").put("room", room);
        frame.set("ref", ref);
        return frame.toString();
    }

    static String error(ErrorCode code, String message, JsonNode ref) {
        ObjectNode frame = JSON.createObjectNode().put("type", "error");
        frame.set("ref", ref);
        frame.put("code", code.wireName()).put("message", message);
        return frame.toString();
    }

    private static String text(JsonNode frame, String field, JsonNode ref) {
        JsonNode value = frame.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new RefusedFrame(ErrorCode.BAD_REQUEST, field + " must be a string", ref);
        }
        return value.asText();
    }

    private static RefusedFrame badRequest(String message, JsonNode ref) {
        return new RefusedFrame(ErrorCode.BAD_REQUEST, message, ref);
    }

    /** A refusal that knows the client's ref, so the error reply can carry it. */
    static final class RefusedFrame extends GatewayException {
        final transient JsonNode ref;

        RefusedFrame(ErrorCode code, String message, JsonNode ref) {
            super(code, message);
            this.ref = ref;
        }
    }
}
