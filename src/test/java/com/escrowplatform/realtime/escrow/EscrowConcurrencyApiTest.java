package com.escrowplatform.realtime.escrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Concurrent changes of one escrow, without Idempotency-Key: they queue on the escrow row, so exactly one
 * wins, the others get a 409, and versions stay a gap-free sequence.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowConcurrencyApiTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldFundOnceWhenTheBuyerFundsConcurrently() {
        EscrowScenario escrow = EscrowScenario.active();
        String token = TestTokens.forUser(escrow.buyer());

        List<HttpResponse<String>> responses = race(4, () -> post(escrow.path("/fund"), token));

        assertThat(responses).extracting(HttpResponse::statusCode).containsOnlyOnce(200).containsOnly(200, 409);
        assertThat(escrow.version()).isEqualTo(5);
        assertThat(escrow.events().<List<Integer>>path("version")).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void shouldKeepVersionsGapFreeWhenDifferentActionsRace() {
        EscrowScenario escrow = EscrowScenario.funded("10.00", "20.00", "30.00");
        String token = TestTokens.forUser(escrow.buyer());

        List<HttpResponse<String>> responses = race(3, new Supplier<>() {
            int next;

            @Override
            public HttpRequest get() {
                return post(escrow.path("/milestones/" + escrow.milestoneIds().get(next++) + "/release"), token);
            }
        });

        assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200);
        // three releases and the move to COMPLETED after version 5
        assertThat(escrow.status()).isEqualTo("COMPLETED");
        assertThat(escrow.events().<List<Integer>>path("version")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(escrow.events().<List<String>>path("type")).last().isEqualTo("escrow:status_changed");
    }

    private HttpRequest post(String path, String token) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    /** Sends the requests at once and waits for every answer. */
    private static List<HttpResponse<String>> race(int n, Supplier<HttpRequest> request) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<HttpRequest> requests = Stream.generate(request).limit(n).toList();
        List<CompletableFuture<HttpResponse<String>>> sent = requests.stream()
                .map(r -> client.sendAsync(r, HttpResponse.BodyHandlers.ofString())).toList();
        return sent.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join()).toList();
    }
}
