package com.escrowplatform.realtime.gateway.ws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * Closes native sockets whose peer went silent. The server pings every {@code ping-interval}; a live client
 * answers with a pong (or sends frames). A socket that sent nothing for {@code dead-peer-timeout} is closed
 * (1001), which frees its hub session at once instead of when TCP finally notices, minutes later.
 *
 * <p>Runs on a Vert.x timer (an event loop): it only reads timestamps and starts closes, never blocks.
 */
@ApplicationScoped
public class DeadPeerReaper {
    private final Vertx vertx;
    private final OpenConnections connections;
    private final long timeoutNanos;
    private final long periodMillis;
    private long timer = -1;

    public DeadPeerReaper(Vertx vertx, OpenConnections connections, GatewayConfig config) {
        this.vertx = vertx;
        this.connections = connections;
        this.timeoutNanos = config.deadPeerTimeout().toNanos();
        this.periodMillis = Math.max(1000, config.deadPeerTimeout().toMillis() / 4);
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(periodMillis, id -> reap());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    void reap() {
        long now = System.nanoTime();
        for (WebSocketConnection connection : connections) {
            NativeSocket.NativeConnection state = connection.userData().get(NativeSocket.STATE);
            if (state != null && now - state.lastHeardNanos > timeoutNanos) {
                connection.close(new CloseReason(1001, "no answer to pings")).subscribe().with(x -> {
                }, x -> {
                });
            }
        }
    }
}
