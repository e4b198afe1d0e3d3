package com.escrowplatform.realtime.gateway.ws;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.Gateway;
import com.escrowplatform.realtime.gateway.GatewayConfig;
import com.escrowplatform.realtime.gateway.ws.NativeEndpoint.NativeConnection;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * The timed side of every native socket, from one periodic tick for all of them instead of timers per socket
 * (websockets-next's auto-ping and its expiry close each keep a timer per connection: heap, and timer-queue
 * work, for every idle socket):
 * <ul>
 *   <li>pings a socket that has been silent for {@code ping-interval} (a client that talks needs none);</li>
 *   <li>closes with 1001 a socket that sent nothing, not even a pong, for {@code dead-peer-timeout}, and frees
 *       its hub subscriber and its caller's connection slot at once: not when TCP finally notices, minutes
 *       later, nor when the close handshake gives up on the silent peer (Vert.x waits 10 s for its answer);</li>
 *   <li>closes with 1008 a socket whose token expires (CONTRACT 5): a token expiring within a tick gets a timer
 *       for its exact second, so the close is on time without a timer per socket for the token's life. A tick
 *       sets it for the sockets it visits, and {@link #opened} for a socket whose token expires within a tick of
 *       the upgrade: the next tick may come only after that expiry, and would close the socket up to a tick late.</li>
 * </ul>
 *
 * <p>Threads: the tick runs on a thread of its own ("native-heartbeat"), not on an event loop: it visits every
 * socket (a few milliseconds at 20,000), which on an event loop would hold up that loop's sockets each time. It
 * only reads timestamps and starts writes and closes, which go to each socket's own event loop; it never blocks.
 * The {@link NativeConnection} fields it owns ({@code lastPingNanos}, {@code expiryScheduled}) are touched by the
 * tick only, and by {@link #opened} before the socket's state is published to the tick.
 */
@ApplicationScoped
public class NativeHeartbeat {
    private static final Logger LOG = Logger.getLogger(NativeHeartbeat.class);
    private static final long MAX_TICK_MILLIS = 5000;
    private static final long MIN_TICK_MILLIS = 100;

    private final OpenConnections connections;
    private final Gateway gateway;
    private final long pingIntervalNanos;
    private final long deadAfterNanos;
    private final long tickMillis;
    /** The tick and the expiry timers; from construction, so that a socket may open before the first tick. */
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(run -> {
        Thread thread = new Thread(run, "native-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    public NativeHeartbeat(OpenConnections connections, Gateway gateway, GatewayConfig config) {
        this.connections = connections;
        this.gateway = gateway;
        this.pingIntervalNanos = config.pingInterval().toNanos();
        this.deadAfterNanos = config.deadPeerTimeout().toNanos();
        this.tickMillis = tickMillis(config.pingInterval(), config.deadPeerTimeout());
    }

    /**
     * A fifth of the ping interval, a quarter of the dead-peer timeout, at most 5 s: pings go out and dead peers
     * are closed at most one tick late. Each tick visits every socket (measured at 10,000 sockets and one tick a
     * second: 2% of a core), so not more often than that.
     */
    static long tickMillis(Duration pingInterval, Duration deadPeerTimeout) {
        long shortest = Math.min(pingInterval.toMillis() / 5, deadPeerTimeout.toMillis() / 4);
        return Math.max(MIN_TICK_MILLIS, Math.min(MAX_TICK_MILLIS, shortest));
    }

    void start(@Observes StartupEvent event) {
        ticker.scheduleWithFixedDelay(this::tickSafely, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        ticker.shutdownNow();
    }

    /**
     * A native socket opened (on its event loop, before its state is published to the tick): a token that expires
     * within a tick gets its timer now.
     */
    void opened(WebSocketConnection connection, NativeConnection state) {
        closeAtExpiryIfWithinATick(connection, state, System.currentTimeMillis());
    }

    /** A tick that throws would cancel every later one: the next tick tries again instead. */
    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.errorf(e, "heartbeat tick failed; the next one runs in %d ms", tickMillis);
        }
    }

    void tick() {
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        for (WebSocketConnection connection : connections) {
            NativeConnection state = connection.userData().get(NativeEndpoint.STATE);
            if (state == null) {
                continue; // not a native socket, or not open yet
            }
            long lastHeard = state.lastHeardNanos;
            if (now - lastHeard > deadAfterNanos) {
                close(connection, new CloseReason(CloseCodes.GOING_AWAY, "no answer to pings"));
                NativeEndpoint.release(connection, gateway);
                continue;
            }
            closeAtExpiryIfWithinATick(connection, state, nowMillis);
            if (now - Math.max(lastHeard, state.lastPingNanos) >= pingIntervalNanos) {
                state.lastPingNanos = now;
                state.peer.ping();
            }
        }
    }

    private void closeAtExpiryIfWithinATick(WebSocketConnection connection, NativeConnection state, long nowMillis) {
        if (state.expiryScheduled || state.expiresAtEpochSecond == VerifiedCaller.NO_EXPIRY) {
            return;
        }
        long untilExpiry = TimeUnit.SECONDS.toMillis(state.expiresAtEpochSecond) - nowMillis;
        if (untilExpiry > tickMillis) {
            return; // a later tick sets the timer
        }
        state.expiryScheduled = true;
        try {
            CloseReason expired = new CloseReason(CloseCodes.POLICY_VIOLATION, "Authentication expired");
            ticker.schedule(() -> close(connection, expired), Math.max(1, untilExpiry), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: every socket is being closed with 1001 anyway
        }
    }

    private static void close(WebSocketConnection connection, CloseReason reason) {
        if (connection.isOpen()) {
            Connections.closeQuietly(connection, reason);
        }
    }
}
