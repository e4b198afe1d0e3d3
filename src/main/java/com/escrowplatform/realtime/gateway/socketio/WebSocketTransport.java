package com.escrowplatform.realtime.gateway.socketio;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A websockets-next connection as the transport of an Engine.IO session, kept in the connection's user data
 * for the socket's life (one small object per connection, nothing per frame beyond what the connection's own
 * send costs).
 *
 * <p>{@link #engine} is set once, on the connection's event loop, before any other callback of the connection
 * reads it; websockets-next runs a connection's callbacks on that one event loop.
 */
final class WebSocketTransport implements TextTransport {
    private final WebSocketConnection connection;
    private EngineSocket engine;

    WebSocketTransport(WebSocketConnection connection) {
        this.connection = connection;
    }

    EngineSocket engine() {
        return engine;
    }

    void bind(EngineSocket engine) {
        this.engine = engine;
    }

    @Override
    public void sendText(String frame, Runnable written) {
        connection.sendText(frame).subscribe().with(ok -> {
            if (written != null) {
                written.run();
            }
        }, failed -> {
            if (written != null) {
                written.run();
            }
        });
    }

    @Override
    public void close(int code, String reason) {
        connection.close(new CloseReason(code, reason)).subscribe().with(x -> {
        }, x -> {
        });
    }
}
