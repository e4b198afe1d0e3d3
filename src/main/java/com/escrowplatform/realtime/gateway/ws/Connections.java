package com.escrowplatform.realtime.gateway.ws;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/** What both protocols' endpoints do with a {@link WebSocketConnection} beyond its own API. */
public final class Connections {
    private Connections() {
    }

    /**
     * Starts the close handshake and returns: nobody waits for it, and its outcome needs no handling here (a failure
     * means the socket is gone already; either way the endpoint's {@code @OnClose} runs).
     */
    public static void closeQuietly(WebSocketConnection connection, CloseReason reason) {
        connection.close(reason).subscribe().with(closed -> {
        }, failed -> {
        });
    }
}
