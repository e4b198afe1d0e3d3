package com.escrowplatform.realtime.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.awaitility.Awaitility;
import org.hibernate.reactive.logging.impl.Log;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TcpRelay;
import com.escrowplatform.realtime.testsupport.TestDatabase;

import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;

/**
 * Which failures mean "the database is out of reach" (503 + Retry-After) and which are faults of ours (500), over
 * the shapes a lost connection really takes: produced by the PostgreSQL driver through a relay that resets the
 * link, by Hibernate Reactive's own messages, and by Mutiny's way of combining a failure with the failed clean-up.
 */
class DatabaseUnavailableCauseTest {
    private static final Log HIBERNATE_REACTIVE = Logger.getMessageLogger(MethodHandles.lookup(), Log.class,
            DatabaseUnavailableCauseTest.class.getName(), Locale.ROOT);

    private static Vertx vertx;
    private static TcpRelay relay;

    @BeforeAll
    static void openALinkToPostgres() {
        vertx = Vertx.vertx();
        relay = TcpRelay.to(TestDatabase.server());
    }

    @AfterEach
    void forwardEverythingAgain() {
        relay.forwardEverything();
        relay.resetAll();
    }

    @AfterAll
    static void closeIt() {
        relay.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void shouldTellAConnectionResetMidStatementByTheDriver() {
        PgConnection connection = join(connect());
        relay.holdClientBytesFrom("pg_sleep".getBytes(StandardCharsets.US_ASCII));
        Future<?> inFlight = connection.query("select pg_sleep(30)").execute();
        Awaitility.await("the statement sent").atMost(10, TimeUnit.SECONDS).until(() -> relay.heldConnections() == 1);
        relay.resetAll();

        Throwable reset = failureOf(inFlight);

        assertThat(reset).isInstanceOf(SocketException.class).hasMessageContaining("Connection reset");
        assertThat(DatabaseUnavailable.isCause(reset)).isTrue();
    }

    @Test
    void shouldTellAStatementSentOnAConnectionThatWasResetByTheDriver() {
        PgConnection connection = join(connect());
        AtomicBoolean closed = new AtomicBoolean();
        connection.closeHandler(v -> closed.set(true));
        relay.resetAll();
        Awaitility.await("the driver saw the reset").atMost(10, TimeUnit.SECONDS).untilTrue(closed);

        Throwable refused = failureOf(connection.query("select 1").execute());

        assertThat(DatabaseUnavailable.isCause(refused)).as("%s", refused).isTrue();
    }

    @Test
    void shouldTellAResetFollowedByAFailedCleanUpAsMutinyCombinesThem() {
        SocketException reset = new SocketException("Connection reset");
        IllegalStateException liveTransaction = HIBERNATE_REACTIVE.liveTransactionDetectedOnClose();
        liveTransaction.addSuppressed(reset);

        Throwable combined = Uni.createFrom().failure(reset)
                .onFailure().call(() -> Uni.createFrom().failure(liveTransaction))
                .subscribeAsCompletionStage().handle((item, failure) -> failure).join();

        assertThat(combined).isInstanceOf(CompositeException.class);
        assertThat(((CompositeException) combined).getCauses()).containsExactly(reset, liveTransaction);
        assertThat(DatabaseUnavailable.isCause(combined)).isTrue();
    }

    @Test
    void shouldTellAConnectionClosedWithALiveTransactionWhoseRollbackFoundTheLinkGone() {
        IllegalStateException liveTransaction = HIBERNATE_REACTIVE.liveTransactionDetectedOnClose();
        liveTransaction.addSuppressed(new SocketException("Connection reset"));

        assertThat(liveTransaction.getMessage()).startsWith("HR000090");
        assertThat(DatabaseUnavailable.isCause(liveTransaction)).isTrue();
    }

    // "Failed to commit transaction: Connection reset": the commit's own failure is the reset, maybe wrapped
    @Test
    void shouldTellACommitWhoseOutcomeIsUnknown() {
        SocketException reset = new SocketException("Connection reset");

        assertThat(DatabaseUnavailable.isCause(reset)).isTrue();
        assertThat(DatabaseUnavailable.isCause(new java.util.concurrent.CompletionException(reset))).isTrue();
        assertThat(DatabaseUnavailable.isCause(new java.io.IOException("Connection reset by peer"))).isTrue();
        assertThat(DatabaseUnavailable.isCause(new java.io.IOException("Broken pipe"))).isTrue();
    }

    @Test
    void shouldStillTellARefusedConnectionAndAServerThatIsShuttingDown() {
        assertThat(DatabaseUnavailable.isCause(new java.net.ConnectException("Connection refused"))).isTrue();
        assertThat(DatabaseUnavailable.isCause(new PgException("terminating connection due to administrator command",
                "FATAL", "57P01", null))).isTrue();
    }

    @Test
    void shouldLeaveOurOwnFaultsTo500() {
        IllegalStateException liveTransactionRolledBack = HIBERNATE_REACTIVE.liveTransactionDetectedOnClose();

        assertThat(DatabaseUnavailable.isCause(liveTransactionRolledBack)).as("a live transaction, rolled back fine")
                .isFalse();
        assertThat(DatabaseUnavailable.isCause(new CompositeException(new NullPointerException("bug"),
                new java.net.ConnectException("Connection refused")))).as("a bug first, the link lost in the clean-up")
                .isFalse();
        assertThat(DatabaseUnavailable.isCause(new PgException("duplicate key", "ERROR", "23505", null))).isFalse();
        assertThat(DatabaseUnavailable.isCause(new IllegalStateException("boom"))).isFalse();
    }

    private Future<PgConnection> connect() {
        return PgConnection.connect(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(relay.port())
                .setDatabase("postgres").setUser(TestDatabase.serverUser()));
    }

    private static <T> T join(Future<T> future) {
        return future.toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static Throwable failureOf(Future<?> future) {
        return future.toCompletionStage().toCompletableFuture().handle((item, failure) -> failure)
                .orTimeout(30, TimeUnit.SECONDS).join();
    }
}
