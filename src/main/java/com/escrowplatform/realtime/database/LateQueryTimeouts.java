package com.escrowplatform.realtime.database;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * Keeps one harmless race of the Vert.x SQL client out of the ERROR log, and counts it.
 *
 * <p>A statement run on the pool itself (not on a connection taken from it: the readiness check, the outbox
 * backlog gauge, the key purge, the party look-up) arms a timer of the pool's connection timeout, which is cancelled
 * only when a connection is found. When none can be had (the database refuses or does not answer), the statement
 * fails at once and its caller hears of it, but the timer still fires later and fails the same promise again:
 * {@code IllegalStateException: Result is already complete}, thrown on a Vert.x timer and reported as an uncaught
 * exception, one per statement tried during an outage. Only that exact case (that message, thrown by a promise from
 * {@code SqlConnectionPool.execute}'s timer) is logged at DEBUG and counted; every other uncaught exception goes to the
 * handler that was there before (Quarkus logs it as an ERROR).
 */
@ApplicationScoped
public class LateQueryTimeouts {
    private static final Logger LOG = Logger.getLogger(LateQueryTimeouts.class);
    private static final String POOL = "io.vertx.sqlclient.impl.pool.SqlConnectionPool";

    private final Counter late;

    public LateQueryTimeouts(MeterRegistry registry) {
        this.late = Counter.builder("escrow.database.pool.late.timeouts")
                .description("Pool statement timeouts that fired after their statement had already failed (a Vert.x SQL"
                        + " client race during database outages; harmless)")
                .register(registry);
    }

    void install(@Observes @Priority(1) StartupEvent event, Vertx vertx) {
        Handler<Throwable> previous = vertx.exceptionHandler();
        vertx.exceptionHandler(failure -> {
            if (isLateTimeout(failure)) {
                late.increment();
                LOG.debugf("a pool statement's timeout fired after the statement had failed: %s", failure);
            } else if (previous != null) {
                previous.handle(failure);
            } else {
                LOG.error("Uncaught exception received by Vert.x", failure);
            }
        });
    }

    /** The pool's timer failing a promise that its statement's failure completed already. */
    static boolean isLateTimeout(Throwable failure) {
        if (!(failure instanceof IllegalStateException) || !"Result is already complete".equals(failure.getMessage())) {
            return false;
        }
        for (StackTraceElement frame : failure.getStackTrace()) {
            String type = frame.getClassName();
            if (type.startsWith("io.vertx.core.Promise") || type.startsWith("io.vertx.core.impl.future.")) {
                continue; // the promise's own frames
            }
            return type.equals(POOL) && frame.getMethodName().startsWith("lambda$execute$");
        }
        return false;
    }
}
