package com.escrowplatform.realtime.gateway.ws;

import com.escrowplatform.realtime.gateway.GatewayEvent;
import com.escrowplatform.realtime.gateway.Peer;
import com.escrowplatform.realtime.gateway.Session;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A native {@code /ws} socket as the hub sees it. Writes are handed to Vert.x and never awaited: each
 * write's completion gives its bytes back to the session's outbound budget, on whatever thread it completes.
 * Vert.x keeps the frames of one connection in the order they were handed over.
 */
final class NativePeer implements Peer {
    private final WebSocketConnection connection;
    /** Set once, right after the hub opened the session and before any subscription exists. */
    private volatile Session session;

    NativePeer(WebSocketConnection connection) {
        this.connection = connection;
    }

    void attach(Session opened) {
        this.session = opened;
    }

    @Override
    public void send(GatewayEvent event) {
        connection.sendText(event.nativeFrame()).subscribe().with(
                written -> session.writeCompleted(event),
                failed -> session.writeCompleted(event));
    }

    /** A reply frame (welcome, subscribed, error…): small, rare, outside the event budget. */
    void reply(String frame) {
        connection.sendText(frame).subscribe().with(written -> {
        }, failed -> {
        });
    }

    @Override
    public void close(int closeCode, String reason) {
        connection.close(new CloseReason(closeCode, reason)).subscribe().with(closed -> {
        }, failed -> {
        });
    }
}
