package com.escrowplatform.realtime.gateway.ws;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

import com.escrowplatform.realtime.gateway.CloseCodes;

/**
 * CONTRACT 8 for sockets: on SIGTERM the instance stops accepting sockets and closes the open ones with
 * 1001 ("going away": reconnect elsewhere with your lastEventId; any instance resumes any client).
 *
 * <p>Sequence: Quarkus's shutdown delay ({@code quarkus.shutdown.delay}) reports readiness DOWN first, so
 * balancers stop routing here; at that same moment this bean refuses new upgrades with 503 and closes every
 * open socket. The live consumer and the outbox relay keep running until the {@link ShutdownEvent}, which
 * comes after the delay and the HTTP drain; the same close runs there too, for a build without the delay.
 *
 * <p>The HTTP drain ({@code quarkus.shutdown.timeout}) waits for every request the server counts as in
 * flight, and it never counts an upgraded request as finished (the response that would end it is replaced
 * by the socket), so one socket ever opened made every shutdown wait the whole timeout. A socket's life is
 * ours to end, with 1001, so each upgraded request is released from that count as it is upgraded.
 */
@ApplicationScoped
@RegisterForReflection(targets = QuarkusRequestWrapper.class, methods = true, fields = false) // done(), in a native image
public class GoingAway implements HttpUpgradeCheck {
    private static final Logger LOG = Logger.getLogger(GoingAway.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** QuarkusRequestWrapper.done(): package-private; null when this Quarkus does not have it. */
    private static final Method REQUEST_DONE = requestDone();

    private final OpenConnections connections;
    private volatile boolean stopping;

    public GoingAway(OpenConnections connections) {
        this.connections = connections;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (stopping) {
            return CheckResult.rejectUpgrade(503);
        }
        releaseFromDrain(context);
        return CheckResult.permitUpgrade();
    }

    void shutdownDelayStarts(@Observes ShutdownDelayInitiatedEvent event) {
        goAway();
    }

    /** Before the gateway's consumers stop (default priority), so no socket outlives its events. */
    void shuttingDown(@Observes @Priority(1) ShutdownEvent event) {
        goAway();
    }

    /** Refuses new sockets and closes the open ones with 1001, waiting briefly for the close frames to leave. */
    private void goAway() {
        stopping = true;
        List<Uni<Void>> closing = connections.stream().filter(WebSocketConnection::isOpen)
                .map(connection -> connection.close(new CloseReason(CloseCodes.GOING_AWAY, "server going away"))
                        .onFailure().recoverWithNull())
                .toList();
        if (closing.isEmpty()) {
            return;
        }
        LOG.infof("shutting down: closing %d sockets with %d", closing.size(), CloseCodes.GOING_AWAY);
        try {
            Uni.join().all(closing).andCollectFailures().await().atMost(CLOSE_WAIT);
        } catch (RuntimeException e) {
            LOG.warnf("not every socket confirmed its close within %s: %s", CLOSE_WAIT, e.toString());
        }
    }

    private static void releaseFromDrain(HttpUpgradeContext context) {
        if (REQUEST_DONE == null) {
            return;
        }
        try {
            QuarkusRequestWrapper wrapper = QuarkusRequestWrapper.get(context.httpRequest());
            if (wrapper != null) {
                REQUEST_DONE.invoke(wrapper);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debugf("upgrade stays counted by the HTTP drain: %s", e.toString());
        }
    }

    private static Method requestDone() {
        try {
            Method done = QuarkusRequestWrapper.class.getDeclaredMethod("done");
            done.setAccessible(true);
            return done;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warnf("shutdown will wait quarkus.shutdown.timeout whenever a socket was opened: %s", e.toString());
            return null;
        }
    }
}
