package com.escrowplatform.realtime.web;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.CommittedFunding;
import com.escrowplatform.realtime.testsupport.DatabaseThroughRelay;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.LogCapture;
import com.escrowplatform.realtime.testsupport.TcpRelay;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Clients that give up on a POST while it runs: each change is made whole or not at all (a change under way runs to
 * its end), the stored answer for its Idempotency-Key goes with it, a retry with the key gets that answer, and the
 * log stays quiet (the abandoned calls are counted). The database link is slowed by a relay so that a call takes
 * long enough to be abandoned at any point of its transaction; the calls, and reads beside them, are abandoned (TCP
 * reset) after random delays, all at once.
 */
@QuarkusTest
@TestProfile(DatabaseThroughRelay.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class AbandonedPostsApiTest {
    private static final int CALLS = 40;
    private static final Duration LINK_DELAY = Duration.ofMillis(4);

    private final TcpRelay relay = DatabaseThroughRelay.relay();

    @TestHTTPResource("/")
    URI base;

    @AfterEach
    void restoreTheLink() {
        relay.forwardEverything();
    }

    @Test
    void shouldMakeEachAbandonedChangeWholeOrNotAtAllAndLogNoError() throws Exception {
        List<Funding> fundings = IntStream.range(0, CALLS)
                .mapToObj(i -> new Funding(EscrowScenario.active(), UUID.randomUUID().toString())).toList();
        double abandonedBefore = metric("escrow_rest_requests_abandoned_total").orElse(0);
        long seed = System.nanoTime();
        Random random = new Random(seed);

        try (LogCapture log = LogCapture.start()) {
            relay.delayEachChunk(LINK_DELAY);
            // twice what a change takes here and now: the aborts land before, during and after the changes
            int abandonWithinMillis = (int) Math.max(50, 2 * typicalChangeDuration().toMillis());
            ScheduledExecutorService clients = Executors.newScheduledThreadPool(4);
            try {
                List<CompletableFuture<Void>> aborted = new ArrayList<>();
                for (Funding funding : fundings) {
                    aborted.add(abandonAfter(clients, funding.escrow.path("/fund"), funding.escrow.buyer(), funding.key,
                            random.nextInt(abandonWithinMillis)));
                    // a read abandoned as well, beside it
                    aborted.add(abandonAfter(clients, funding.escrow.path(""), funding.escrow.buyer(), null,
                            random.nextInt(abandonWithinMillis)));
                }
                CompletableFuture.allOf(aborted.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            } finally {
                clients.shutdownNow();
            }
            Awaitility.await("every abandoned call finished in the database").atMost(Duration.ofSeconds(60))
                    .during(Duration.ofSeconds(1)).until(() -> busyConnections() == 0);
            relay.forwardEverything();

            List<CommittedFunding> committed = fundings.stream().map(f -> CommittedFunding.of(f.escrow, f.key)).toList();
            String timing = "seed " + seed + ", aborts within " + abandonWithinMillis + " ms";
            assertThat(committed).as("%s: %s", timing, committed).allSatisfy(made -> {
                assertThat(made.keyStored()).as("the key's answer is stored exactly when the change is made")
                        .isEqualTo(made.funded());
                if (made.funded()) {
                    assertThat(made.version()).isEqualTo(5);
                    assertThat(made.fundedEvents()).isEqualTo(1);
                    assertThat(made.keyStatus()).isEqualTo(200);
                    assertThat(Json.parse(made.keyBody()).path("version").asInt()).isEqualTo(5);
                } else {
                    assertThat(made.version()).isEqualTo(4);
                    assertThat(made.fundedEvents()).isZero();
                }
            });
            assertThat(log.errors()).as("no ERROR for a client that went away").isEmpty();
            assertThat(log.mentioning("HHH000099")).isEmpty();
            assertThat(log.mentioning("HR000090")).isEmpty();
            double abandoned = metric("escrow_rest_requests_abandoned_total").orElse(0) - abandonedBefore;
            assertThat(abandoned).as("changes whose client went away while they ran (%s)", timing).isBetween(1.0, CALLS * 1.0);
            assertThat(committed.stream().filter(CommittedFunding::funded).count())
                    .as("each of them made its change, as if its client had waited").isGreaterThanOrEqualTo((long) abandoned);

            for (int i = 0; i < CALLS; i++) {
                Response retry = fundings.get(i).retry();
                retry.then().statusCode(200);
                assertThat(retry.header(IdempotentPosts.REPLAYED_HEADER) != null)
                        .as("a retry replays the stored answer exactly when the first call made the change")
                        .isEqualTo(committed.get(i).funded());
                assertThat(retry.<Integer>path("version")).isEqualTo(5);
                assertThat(CommittedFunding.of(fundings.get(i).escrow, fundings.get(i).key).fundedEvents()).isEqualTo(1);
            }
        }
    }

    /** The median time of {@link #CALLS} changes made at once (escrow creations), each answered. */
    private Duration typicalChangeDuration() {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String buyer = Api.uniqueUser("buyer");
        String body = Json.MAPPER.valueToTree(Api.escrowBody(Api.uniqueUser("seller"), null, "10.00")).toString();
        List<CompletableFuture<Long>> timed = IntStream.range(0, CALLS).mapToObj(i -> {
            long start = System.nanoTime();
            return http.sendAsync(HttpRequest.newBuilder(base.resolve("/api/escrows"))
                    .header("Authorization", "Bearer " + TestTokens.forUser(buyer))
                    .header("Content-Type", "application/json")
                    .header(IdempotentPosts.HEADER, UUID.randomUUID().toString())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(answer -> {
                        assertThat(answer.statusCode()).isEqualTo(201);
                        return System.nanoTime() - start;
                    });
        }).toList();
        List<Long> nanos = timed.stream().map(t -> t.orTimeout(60, TimeUnit.SECONDS).join()).sorted().toList();
        return Duration.ofNanos(nanos.get(nanos.size() / 2));
    }

    /** Sends a call on a connection of its own and resets that connection {@code delayMillis} later. */
    private CompletableFuture<Void> abandonAfter(ScheduledExecutorService clients, String path, String user, String key,
            int delayMillis) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        clients.execute(() -> {
            try {
                Socket socket = new Socket(base.getHost(), base.getPort());
                String request = (key == null ? "GET " : "POST ") + path + " HTTP/1.1\r\n"
                        + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                        + "Authorization: Bearer " + TestTokens.forUser(user) + "\r\n"
                        + (key == null ? "" : IdempotentPosts.HEADER + ": " + key + "\r\nContent-Length: 0\r\n")
                        + "\r\n";
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                clients.schedule(() -> {
                    try {
                        socket.setSoLinger(true, 0); // the client vanishes: a reset, not a polite close
                        socket.close();
                        done.complete(null);
                    } catch (IOException e) {
                        done.completeExceptionally(e);
                    }
                }, delayMillis, TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Connections of the application to the test database that are running a statement or hold a transaction open. */
    private static int busyConnections() throws SQLException {
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement();
                ResultSet row = sql.executeQuery("select count(*) from pg_stat_activity where datname = current_database()"
                        + " and pid <> pg_backend_pid() and backend_type = 'client backend'"
                        + " and state in ('active', 'idle in transaction')")) {
            row.next();
            return row.getInt(1);
        }
    }

    private record Funding(EscrowScenario escrow, String key) {
        Response retry() {
            return as(escrow.buyer()).header(IdempotentPosts.HEADER, key).post(escrow.path("/fund"));
        }
    }
}
