package com.escrowplatform.realtime.gateway.socketio;

import com.escrowplatform.realtime.gateway.Subscribed;
import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The acks that answer {@code subscribe} and {@code unsubscribe} (CONTRACT 7), as whole Engine.IO packets:
 * {@code {ok:true, recovered, replayed, position}}, {@code {ok:true, room}} or {@code {ok:false, code, message}}.
 * Pure functions, any thread.
 */
final class SubscriptionAcks {

    private SubscriptionAcks() {
    }

    static String subscribed(long ackId, Subscribed subscribed) {
        return SocketIoPackets.ack(ackId, JsonNodeFactory.instance.objectNode().put("ok", true)
                .put("recovered", subscribed.recovered()).put("replayed", subscribed.replayed())
                .put("position", subscribed.position()));
    }

    static String unsubscribed(long ackId, String room) {
        return SocketIoPackets.ack(ackId, JsonNodeFactory.instance.objectNode().put("ok", true).put("room", room));
    }

    static String refused(long ackId, ErrorCode code, String message) {
        return SocketIoPackets.ack(ackId, JsonNodeFactory.instance.objectNode().put("ok", false)
                .put("code", code.wireName()).put("message", message));
    }
}
