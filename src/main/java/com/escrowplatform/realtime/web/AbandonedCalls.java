package com.escrowplatform.realtime.web;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * What a change does when its client goes away before the answer: it runs to its end, as if the client had
 * waited, and its answer is dropped.
 *
 * <p>Why not roll it back: Quarkus REST cancels a call's {@code Uni} when the connection closes, and a transaction
 * cancelled mid-flight is torn, not rolled back cleanly: Hibernate Reactive rolls back and closes the session while
 * a statement still runs on it (and logs errors for both), and the rollback races with a commit that may already be
 * on its way to the database, so that nobody can tell which won. Run to its end, the outcome is the database's
 * own: with an Idempotency-Key the change and its stored answer commit together, so the client's retry with the key
 * replays that answer, or makes the change when it was not made. A client that went away is counted and logged at
 * DEBUG; a fault of ours in a change nobody waits for any more is still an ERROR.
 */
// at start-up, so that its counter is in the first scrape at 0 rather than after the first abandoned call
@Startup
@ApplicationScoped
public class AbandonedCalls {
    private static final Logger LOG = Logger.getLogger(AbandonedCalls.class);
    private static final int RUNNING = 0;
    private static final int ANSWERED = 1;
    private static final int ABANDONED = 2;

    private final Counter abandoned;

    public AbandonedCalls(MeterRegistry registry) {
        this.abandoned = Counter.builder("escrow.rest.requests.abandoned")
                .description("REST changes whose client went away before the answer; each ran to its end, its answer dropped")
                .register(registry);
    }

    /**
     * {@code change}, shielded from cancellation: a subscriber that cancels stops waiting for it and the change
     * goes on. {@code call} names it in the log (method and path).
     */
    public <T> Uni<T> runToTheEnd(Uni<T> change, String call) {
        return Uni.createFrom().emitter(waiting -> {
            AtomicInteger state = new AtomicInteger(RUNNING);
            // runs after an answer too; only a cancellation finds the call still running
            waiting.onTermination(() -> {
                if (state.compareAndSet(RUNNING, ABANDONED)) {
                    abandoned.increment();
                    LOG.debugf("the client of %s went away before the answer; the change runs to its end", call);
                }
            });
            change.subscribe().with(
                    item -> {
                        if (state.compareAndSet(RUNNING, ANSWERED)) {
                            waiting.complete(item);
                        } else {
                            LOG.debugf("%s ran to its end after its client went away", call);
                        }
                    },
                    failure -> {
                        if (state.compareAndSet(RUNNING, ANSWERED)) {
                            waiting.fail(failure);
                        } else if (failure instanceof ApiException || DatabaseUnavailable.isCause(failure)) {
                            LOG.debugf("%s, whose client went away, failed: %s", call, failure);
                        } else {
                            LOG.errorf(failure, "unexpected failure of %s, whose client went away", call);
                        }
                    });
        });
    }
}
