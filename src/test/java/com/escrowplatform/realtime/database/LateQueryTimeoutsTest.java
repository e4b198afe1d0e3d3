package com.escrowplatform.realtime.database;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.LogCapture;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * A statement run on a pool that cannot connect fails at once; the pool's own timeout for it still fires later and
 * fails the finished promise again, an uncaught exception on the application's Vert.x. That exact case is counted and
 * kept out of the ERROR log; any other uncaught exception is still an ERROR.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class LateQueryTimeoutsTest {
    private static final String LATE_TIMEOUTS = "escrow_database_pool_late_timeouts_total";

    @Inject
    Vertx vertx;

    @Test
    void shouldCountAPoolTimeoutThatFiresAfterItsStatementFailedAndLogNoError() {
        double before = metric(LATE_TIMEOUTS).orElse(0);
        // a pool of its own on the application's Vert.x, against a port where nothing listens, with a short timeout
        Pool pool = Pool.pool(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(1).setDatabase("escrow"),
                new PoolOptions().setName("late-timeouts-test").setMaxSize(1).setConnectionTimeout(200)
                        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS));
        try (LogCapture log = LogCapture.start()) {
            Throwable refused = pool.query("select 1").execute().toCompletionStage().toCompletableFuture()
                    .handle((rows, failure) -> failure).orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(refused).isInstanceOf(ConnectException.class);

            Awaitility.await("the pool's timer fired").atMost(Duration.ofSeconds(10))
                    .until(() -> metric(LATE_TIMEOUTS).orElse(0) > before
                            || !log.mentioning("Result is already complete").isEmpty());

            assertThat(log.errors()).isEmpty();
            assertThat(log.warningsOrWorse()).noneMatch(line -> line.contains("Result is already complete"));
            assertThat(metric(LATE_TIMEOUTS).orElseThrow()).isEqualTo(before + 1);
        } finally {
            pool.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void shouldStillLogAnyOtherUncaughtExceptionAsAnError() {
        try (LogCapture log = LogCapture.start()) {
            // the same type and message, from elsewhere
            vertx.runOnContext(v -> {
                throw new IllegalStateException("Result is already complete");
            });

            Awaitility.await("the uncaught exception logged").atMost(Duration.ofSeconds(10))
                    .until(() -> !log.errors().isEmpty());
            assertThat(log.errors()).singleElement().asString().contains("Uncaught exception received by Vert.x")
                    .contains("Result is already complete");
        }
    }
}
