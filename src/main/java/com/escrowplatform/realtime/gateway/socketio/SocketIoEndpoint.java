package com.escrowplatform.realtime.gateway.socketio;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.ws.SocketFailures;
import com.escrowplatform.realtime.gateway.ws.Connections;
import com.escrowplatform.realtime.gateway.ws.UpgradedChannel;

import io.netty.channel.Channel;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/**
 * The WebSocket transport of {@code /socket.io/?EIO=4&transport=websocket}: a new Engine.IO session, or,
 * with {@code sid}, the upgrade of a long-polling one. Not authenticated on the upgrade: Socket.IO clients
 * send their token in the CONNECT packet ({@link SocketIoPeer}). {@link SocketIoServer} has already
 * refused a wrong {@code EIO} or transport with 400.
 */
@WebSocket(path = SocketIoServer.PATH)
public class SocketIoEndpoint {
    /** The connection as its Engine.IO session's transport, bound to that session. */
    static final TypedKey<WebSocketTransport> TRANSPORT = new TypedKey<>("escrow.engine-io");

    @Inject
    SocketIoServer server;

    @Inject
    SocketFailures failures;

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        String sid = queryParam(connection.handshakeRequest().query(), "sid");
        Channel channel = connection.userData().remove(UpgradedChannel.KEY);
        if (channel == null) {
            // the upgrade check lets none through without it
            Connections.closeQuietly(connection, new CloseReason(CloseCodes.INTERNAL_ERROR, "no channel"));
            return;
        }
        WebSocketTransport transport = new WebSocketTransport(connection, channel);
        if (sid == null) {
            transport.bind(server.openWebSocket(transport));
            connection.userData().put(TRANSPORT, transport);
            return;
        }
        EngineSocket polling = server.findEngineSocket(sid);
        if (polling == null || !polling.startProbe(transport)) {
            transport.close(CloseCodes.POLICY_VIOLATION, "Session ID unknown");
            return;
        }
        transport.bind(polling);
        connection.userData().put(TRANSPORT, transport);
    }

    @OnTextMessage
    @NonBlocking
    void message(String text, WebSocketConnection connection) {
        WebSocketTransport transport = connection.userData().get(TRANSPORT);
        if (transport != null) {
            transport.engine().onWebSocketText(transport, text);
        }
    }

    @OnBinaryMessage
    @NonBlocking
    void binary(Buffer bytes, WebSocketConnection connection) {
        WebSocketTransport transport = connection.userData().get(TRANSPORT);
        if (transport != null) {
            transport.engine().onWebSocketBinary(transport);
        }
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        WebSocketTransport transport = connection.userData().remove(TRANSPORT);
        if (transport != null) {
            transport.engine().onWebSocketClosed(transport);
        }
    }

    @OnError
    @NonBlocking
    void error(Throwable failure, WebSocketConnection connection) {
        // onError counts a close for what the client sent; close(), unlike closeForClientError, counts nothing more
        failures.onError(failure, connection, SocketFailures.Protocol.SOCKETIO).ifPresent(reason -> {
            WebSocketTransport transport = connection.userData().get(TRANSPORT);
            if (transport != null) {
                transport.engine().close(reason.getCode(), reason.getMessage());
            } else {
                Connections.closeQuietly(connection, reason);
            }
        });
    }

    static String queryParam(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String key = equals < 0 ? pair : pair.substring(0, equals);
            if (key.equals(name)) {
                return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
