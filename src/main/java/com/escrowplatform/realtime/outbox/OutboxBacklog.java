package com.escrowplatform.realtime.outbox;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The {@code escrow.outbox.backlog} gauge: rows waiting to be relayed, measured every {@code poll-interval} on a
 * timer of its own. The relay's loop cannot measure it: while Kafka is down it sits in sends and retries, and
 * while it drains it never goes idle, which is exactly when the figure matters.
 *
 * <p>The measure is the span from the oldest unpublished row to the newest row: two index look-ups (the
 * partial index of unpublished rows, the primary key) whatever the backlog, where {@code count(*)} would visit
 * every waiting row. It is an upper bound, exact at zero: {@code seq} values lost to rolled-back transactions
 * and rows published out of order (a resend) inside the span count too. Every instance that runs a relay,
 * standbys included, reports the same table-wide figure (aggregate with max, not sum): a standby's figure never
 * goes stale, and leadership changing hands never drops the gauge to 0 for a moment.
 *
 * <p>Threads: the timer fires on a Vert.x event loop and the query goes through the reactive pool, so nothing
 * blocks; the next measurement is armed when the previous one finished, so they never overlap.
 */
@ApplicationScoped
public class OutboxBacklog {
    private static final Logger LOG = Logger.getLogger(OutboxBacklog.class);
    private static final String SPAN = "select coalesce((select max(seq) from outbox_event)"
            + " - (select min(seq) from outbox_event where published_at is null) + 1, 0)";

    private final Pool database;
    private final Vertx vertx;
    private final OutboxConfig config;
    private final AtomicLong rows = new AtomicLong();
    private volatile boolean running;
    private volatile long timer = -1;

    public OutboxBacklog(Pool database, Vertx vertx, OutboxConfig config, MeterRegistry registry) {
        this.database = database;
        this.vertx = vertx;
        this.config = config;
        Gauge.builder("escrow.outbox.backlog", rows, AtomicLong::get)
                .description("Event rows committed and not yet published to Kafka, as last measured").register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        running = true;
        armNextMeasurement();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        vertx.cancelTimer(timer);
    }

    private void measure() {
        database.query(SPAN).execute().subscribe().with(
                result -> {
                    rows.set(result.iterator().next().getLong(0));
                    armNextMeasurement();
                },
                failure -> {
                    // the relay reports the same outage; the gauge keeps its last value until the next try
                    LOG.debugf("outbox backlog not measured: %s", failure.toString());
                    armNextMeasurement();
                });
    }

    private void armNextMeasurement() {
        if (running) {
            timer = vertx.setTimer(config.pollInterval().toMillis(), id -> measure());
        }
    }
}
