package com.escrowplatform.realtime.web;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deletes idempotency keys older than {@link IdempotentPosts#RETENTION}: at start-up, then every
 * {@code escrow.idempotency.purge-interval}. {@link IdempotentPosts} already ignores an expired key, so the
 * purge only keeps the table small. Every instance may run it: the delete is idempotent and walks the
 * {@code created_at} index.
 *
 * <p>Threads: the timer fires on a Vert.x event loop and the delete goes through the reactive pool, so no
 * round blocks a thread; the next round is armed only when the previous one finished, so rounds never overlap.
 */
@ApplicationScoped
public class IdempotencyKeyPurge {
    private static final Logger LOG = Logger.getLogger(IdempotencyKeyPurge.class);

    private final Pool database;
    private final Vertx vertx;
    private final IdempotencyConfig config;
    private volatile boolean running;
    private volatile long timer = -1;

    public IdempotencyKeyPurge(Pool database, Vertx vertx, IdempotencyConfig config) {
        this.database = database;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.purgeEnabled()) {
            return;
        }
        running = true;
        runRound();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        vertx.cancelTimer(timer);
    }

    /** Deletes the keys past their retention; emits how many went. */
    Uni<Integer> purgeExpired() {
        OffsetDateTime cutoff = OffsetDateTime.ofInstant(Instant.now().minus(IdempotentPosts.RETENTION), ZoneOffset.UTC);
        return database.preparedQuery("delete from idempotency_key where created_at < $1")
                .execute(Tuple.of(cutoff))
                .map(deleted -> deleted.rowCount());
    }

    private void runRound() {
        purgeExpired().subscribe().with(
                deleted -> {
                    LOG.debugf("forgot %d expired idempotency keys", deleted);
                    armNextRound();
                },
                failure -> {
                    LOG.warnf("idempotency key purge failed: %s; next try in %s", failure.toString(), config.purgeInterval());
                    armNextRound();
                });
    }

    private void armNextRound() {
        if (running) {
            timer = vertx.setTimer(config.purgeInterval().toMillis(), id -> runRound());
        }
    }
}
