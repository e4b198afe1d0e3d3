package com.escrowplatform.realtime.web;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.CommittedFunding;
import com.escrowplatform.realtime.testsupport.DatabaseThroughRelay;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TcpRelay;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Calls in flight when the database connections reset (CONTRACT 2): each answers 503 with Retry-After, whatever
 * the call was doing, the commit included, and a retry with the same Idempotency-Key leaves the change made once.
 * The link is cut by a relay that holds each call's traffic at a chosen point, so every call is known to be in
 * flight there when the connections reset.
 */
@QuarkusTest
@TestProfile(DatabaseThroughRelay.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class DatabaseResetApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);
    private static final int CALLS = 6;

    private final TcpRelay relay = DatabaseThroughRelay.relay();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource("/")
    URI base;

    @AfterEach
    void restoreTheLink() {
        relay.forwardEverything();
        relay.acceptNewConnections();
        if (relay.heldConnections() > 0) { // a test that failed half-way: free the pool's connections
            relay.resetAll();
        }
    }

    @Test
    void shouldAnswer503WithRetryAfterToEveryCallWhoseConnectionResetsMidStatement() {
        List<Funding> fundings = fundings();
        relay.holdEveryClientByte();
        List<CompletableFuture<HttpResponse<String>>> calls = fundings.stream().map(this::send).toList();
        Awaitility.await("every call waiting on its database connection").atMost(WAIT)
                .until(() -> relay.heldConnections() >= CALLS);

        relay.refuseNewConnections();
        relay.resetAll();

        assertEveryAnswerIs503WithRetryAfter(calls);
        // while the database stays out of reach, a new call is refused the same way
        as(fundings.get(0).escrow.buyer()).get("/api/escrows").then().statusCode(503)
                .header("Retry-After", "5").body("code", equalTo("database_unavailable"));

        relay.forwardEverything();
        relay.acceptNewConnections();
        for (Funding funding : fundings) {
            assertThat(CommittedFunding.of(funding.escrow, funding.key).funded()).as("rolled back").isFalse();
            funding.retry().then().statusCode(200).header(IdempotentPosts.REPLAYED_HEADER, nullValue())
                    .body("status", equalTo("FUNDED")).body("version", equalTo(5));
            assertThat(CommittedFunding.of(funding.escrow, funding.key).fundedEvents()).isEqualTo(1);
        }
    }

    // The commit reached the database but its answer never came back: the caller cannot know it was made.
    @Test
    void shouldAnswer503WhenACommitsAnswerIsLostAndReplayTheCommittedChangeToARetryWithTheSameKey() {
        List<Funding> fundings = fundings();
        relay.holdServerBytesAfter(COMMIT);
        List<CompletableFuture<HttpResponse<String>>> calls = fundings.stream().map(this::send).toList();
        Awaitility.await("every change committed, its answer held").atMost(WAIT)
                .until(() -> fundings.stream().allMatch(f -> CommittedFunding.of(f.escrow, f.key).funded()));

        relay.refuseNewConnections();
        relay.resetAll();

        assertEveryAnswerIs503WithRetryAfter(calls);
        relay.forwardEverything();
        relay.acceptNewConnections();
        for (Funding funding : fundings) {
            funding.retry().then().statusCode(200).header(IdempotentPosts.REPLAYED_HEADER, equalTo("true"))
                    .body("status", equalTo("FUNDED")).body("version", equalTo(5));
            CommittedFunding stored = CommittedFunding.of(funding.escrow, funding.key);
            assertThat(stored.fundedEvents()).as("funded once").isEqualTo(1);
            assertThat(stored.version()).isEqualTo(5);
        }
    }

    // The commit never reached the database: the transaction rolled back, and the retry makes the change.
    @Test
    void shouldAnswer503WhenTheConnectionResetsBeforeTheCommitArrivesAndApplyTheChangeOnceOnRetry() {
        List<Funding> fundings = fundings();
        relay.holdClientBytesFrom(COMMIT);
        List<CompletableFuture<HttpResponse<String>>> calls = fundings.stream().map(this::send).toList();
        Awaitility.await("every call's commit held").atMost(WAIT).until(() -> relay.heldConnections() >= CALLS);

        relay.refuseNewConnections();
        relay.resetAll();

        assertEveryAnswerIs503WithRetryAfter(calls);
        relay.forwardEverything();
        relay.acceptNewConnections();
        for (Funding funding : fundings) {
            CommittedFunding before = CommittedFunding.of(funding.escrow, funding.key);
            assertThat(before.funded() || before.keyStored()).as("nothing of the call was committed").isFalse();
            funding.retry().then().statusCode(200).header(IdempotentPosts.REPLAYED_HEADER, nullValue())
                    .body("version", equalTo(5));
            assertThat(CommittedFunding.of(funding.escrow, funding.key).fundedEvents()).isEqualTo(1);
        }
    }

    private static void assertEveryAnswerIs503WithRetryAfter(List<CompletableFuture<HttpResponse<String>>> calls) {
        List<HttpResponse<String>> answers = calls.stream().map(c -> c.orTimeout(60, TimeUnit.SECONDS).join()).toList();
        assertThat(answers).extracting(HttpResponse::statusCode).as("statuses (bodies: %s)",
                answers.stream().map(HttpResponse::body).toList()).containsOnly(503);
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(Json.parse(answer.body()).path("code").asText()).isEqualTo("database_unavailable");
        });
    }

    private List<Funding> fundings() {
        return IntStream.range(0, CALLS).mapToObj(i -> new Funding(EscrowScenario.active(), UUID.randomUUID().toString()))
                .toList();
    }

    private CompletableFuture<HttpResponse<String>> send(Funding funding) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve(funding.escrow.path("/fund")))
                .header("Authorization", "Bearer " + TestTokens.forUser(funding.escrow.buyer()))
                .header(IdempotentPosts.HEADER, funding.key)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Funding(EscrowScenario escrow, String key) {
        io.restassured.response.Response retry() {
            return as(escrow.buyer()).header(IdempotentPosts.HEADER, key).post(escrow.path("/fund"));
        }
    }
}
