package com.escrowplatform.realtime.gateway.socketio;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;

import com.escrowplatform.realtime.gateway.ws.SocketFailures;

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
    static final TypedKey<EngineSocket> ENGINE = new TypedKey<>("escrow.engine-io");

    @Inject
    SocketIoServer server;

    @Inject
    SocketFailures failures;

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        String sid = queryParam(connection.handshakeRequest().query(), "sid");
        if (sid == null) {
            connection.userData().put(ENGINE, server.openWebSocket(connection));
            return;
        }
        EngineSocket polling = server.findEngineSocket(sid);
        if (polling == null || !polling.startProbe(connection)) {
            connection.close(new CloseReason(EngineSocket.CLOSE_POLICY, "Session ID unknown")).subscribe().with(x -> {
            }, x -> {
            });
            return;
        }
        connection.userData().put(ENGINE, polling);
    }

    @OnTextMessage
    @NonBlocking
    void message(String text, WebSocketConnection connection) {
        EngineSocket engine = connection.userData().get(ENGINE);
        if (engine != null) {
            engine.onWebSocketText(connection, text);
        }
    }

    @OnBinaryMessage
    @NonBlocking
    void binary(Buffer bytes, WebSocketConnection connection) {
        EngineSocket engine = connection.userData().get(ENGINE);
        if (engine != null) {
            engine.onWebSocketBinary(connection);
        }
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        EngineSocket engine = connection.userData().remove(ENGINE);
        if (engine != null) {
            engine.onWebSocketClosed(connection);
        }
    }

    @OnError
    @NonBlocking
    void error(Throwable failure, WebSocketConnection connection) {
        failures.onError(failure, connection).ifPresent(reason -> {
            EngineSocket engine = connection.userData().get(ENGINE);
            if (engine != null) {
                engine.close(reason.getCode(), reason.getMessage());
            } else {
                connection.close(reason).subscribe().with(x -> {
                }, x -> {
                });
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
