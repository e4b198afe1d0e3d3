package com.escrowplatform.realtime.web;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.escrowBody;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code Idempotency-Key} on POST: a repeat returns the first response and writes nothing; the same key
 * with another request is a 422; concurrent repeats have one effect.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class IdempotencyKeyApiTest {
    private static final String KEY = "Idempotency-Key";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldReplayTheFirstResponseWhenACreateIsRepeated() {
        String buyer = uniqueUser("buyer");
        Map<String, Object> body = escrowBody(uniqueUser("seller"), null, "80.00");
        String key = UUID.randomUUID().toString();

        Response first = as(buyer).header(KEY, key).body(body).post("/api/escrows");
        first.then().statusCode(201).header("Idempotent-Replayed", nullValue());
        Response again = as(buyer).header(KEY, key).body(body).post("/api/escrows");

        again.then().statusCode(201)
                .header("Idempotent-Replayed", equalTo("true"))
                .header("Location", equalTo(first.header("Location")))
                .contentType("application/json");
        assertThat(json(again.asString())).isEqualTo(json(first.asString()));
        as(buyer).get("/api/escrows").then().statusCode(200).body("total", equalTo(1))
                .body("items[0].id", equalTo(first.path("id")));
    }

    @Test
    void shouldWriteNoSecondEventWhenAnActionIsRepeated() {
        EscrowScenario escrow = EscrowScenario.active();
        String key = UUID.randomUUID().toString();

        Response first = as(escrow.buyer()).header(KEY, key).post(escrow.path("/fund"));
        first.then().statusCode(200).body("version", equalTo(5));
        Response again = as(escrow.buyer()).header(KEY, key).post(escrow.path("/fund"));

        again.then().statusCode(200).header("Idempotent-Replayed", equalTo("true")).body("version", equalTo(5));
        assertThat(json(again.asString())).isEqualTo(json(first.asString()));
        assertThat(escrow.version()).isEqualTo(5);
        assertThat(escrow.events().<List<Integer>>path("version")).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void shouldReplayTheFirstResponseEvenAfterTheEscrowMovedOn() {
        EscrowScenario escrow = EscrowScenario.funded();
        String key = UUID.randomUUID().toString();
        String release = escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release");
        Response first = as(escrow.buyer()).header(KEY, key).post(release);
        first.then().statusCode(200).body("version", equalTo(6));
        as(escrow.buyer()).body(Map.of("reason", "Late")).post(escrow.path("/disputes")).then().statusCode(201);

        as(escrow.buyer()).header(KEY, key).post(release).then().statusCode(200)
                .header("Idempotent-Replayed", equalTo("true"))
                .body("version", equalTo(6)).body("status", equalTo("FUNDED"));
        assertThat(escrow.version()).isEqualTo(8);
    }

    @Test
    void shouldReplayADisputeFiledWithAKey() {
        EscrowScenario escrow = EscrowScenario.funded();
        String key = UUID.randomUUID().toString();
        Map<String, String> body = Map.of("reason", "Not delivered");
        Response first = as(escrow.seller()).header(KEY, key).body(body).post(escrow.path("/disputes"));
        first.then().statusCode(201);

        as(escrow.seller()).header(KEY, key).body(body).post(escrow.path("/disputes")).then().statusCode(201)
                .header("Idempotent-Replayed", equalTo("true"))
                .body("disputes[0].id", equalTo(first.path("disputes[0].id")));
        escrow.read().then().body("version", equalTo(7)).body("disputes.size()", equalTo(1));
    }

    @Test
    void shouldAnswer422WhenTheKeyIsReusedWithAnotherBody() {
        String buyer = uniqueUser("buyer");
        String key = UUID.randomUUID().toString();
        as(buyer).header(KEY, key).body(escrowBody(uniqueUser("seller"), null, "80.00")).post("/api/escrows").then()
                .statusCode(201);

        as(buyer).header(KEY, key).body(escrowBody(uniqueUser("seller"), null, "81.00")).post("/api/escrows").then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:idempotency_key_reused"))
                .body("title", notNullValue())
                .body("status", equalTo(422))
                .body("code", equalTo("idempotency_key_reused"))
                .body("detail", notNullValue());
        as(buyer).get("/api/escrows").then().body("total", equalTo(1));
    }

    @Test
    void shouldAnswer422WhenTheKeyIsReusedOnAnotherCall() {
        EscrowScenario escrow = EscrowScenario.active();
        String key = UUID.randomUUID().toString();
        as(escrow.buyer()).header(KEY, key).post(escrow.path("/fund")).then().statusCode(200);

        as(escrow.buyer()).header(KEY, key).post(escrow.path("/cancel")).then()
                .statusCode(422).body("code", equalTo("idempotency_key_reused"));
        escrow.read().then().body("status", equalTo("FUNDED")).body("version", equalTo(5));
    }

    @Test
    void shouldKeepKeysApartPerUser() {
        String key = UUID.randomUUID().toString();
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        Map<String, Object> body = escrowBody(uniqueUser("seller"), null, "5.00");

        String aliceEscrow = as(alice).header(KEY, key).body(body).post("/api/escrows").then().statusCode(201)
                .extract().path("id");
        String bobEscrow = as(bob).header(KEY, key).body(body).post("/api/escrows").then().statusCode(201)
                .header("Idempotent-Replayed", nullValue()).extract().path("id");

        assertThat(bobEscrow).isNotEqualTo(aliceEscrow);
    }

    @Test
    void shouldRememberNothingWhenTheFirstAttemptFailed() {
        EscrowScenario escrow = EscrowScenario.pending();
        String key = UUID.randomUUID().toString();
        as(escrow.buyer()).header(KEY, key).post(escrow.path("/fund")).then().statusCode(409);
        as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
        as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);

        as(escrow.buyer()).header(KEY, key).post(escrow.path("/fund")).then().statusCode(200)
                .header("Idempotent-Replayed", nullValue()).body("status", equalTo("FUNDED"));
    }

    @Test
    void shouldAnswer400ForAKeyThatIsTooLong() {
        EscrowScenario escrow = EscrowScenario.active();
        as(escrow.buyer()).header(KEY, "k".repeat(256)).post(escrow.path("/fund")).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:invalid_request"))
                .body("status", equalTo(400))
                .body("code", equalTo("invalid_request"))
                .body("errors.field", hasItem(KEY));
        escrow.read().then().body("status", equalTo("ACTIVE")).body("version", equalTo(4));
    }

    @Test
    void shouldHaveOneEffectWhenTwoRequestsWithTheSameKeyRace() throws Exception {
        String buyer = uniqueUser("buyer");
        String body = JSON.writeValueAsString(escrowBody(uniqueUser("seller"), null, "60.00"));
        String key = UUID.randomUUID().toString();

        List<HttpResponse<String>> responses = race(4, () -> HttpRequest.newBuilder(base.resolve("/api/escrows"))
                .header("Authorization", "Bearer " + TestTokens.forUser(buyer))
                .header("Content-Type", "application/json")
                .header(KEY, key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(201);
        assertThat(responses).extracting(r -> json(r.body()).path("id").asText()).containsOnly(
                json(responses.get(0).body()).path("id").asText());
        assertThat(responses).filteredOn(r -> r.headers().firstValue("Idempotent-Replayed").isEmpty()).hasSize(1);
        as(buyer).get("/api/escrows").then().statusCode(200).body("total", equalTo(1));
    }

    @Test
    void shouldWriteOneEventWhenTwoReleasesWithTheSameKeyRace() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded();
        String key = UUID.randomUUID().toString();
        String token = TestTokens.forUser(escrow.buyer());

        List<HttpResponse<String>> responses = race(4, () -> HttpRequest.newBuilder(
                base.resolve(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")))
                .header("Authorization", "Bearer " + token)
                .header(KEY, key)
                .POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200);
        assertThat(responses).extracting(r -> json(r.body()).path("version").asInt()).containsOnly(6);
        assertThat(escrow.version()).isEqualTo(6);
        assertThat(escrow.events().<List<String>>path("type")).containsOnlyOnce("escrow:milestone_released");
    }

    /** Sends {@code n} copies of a request at once and waits for every answer. */
    private static List<HttpResponse<String>> race(int n, java.util.function.Supplier<HttpRequest> request) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<HttpRequest> requests = java.util.stream.Stream.generate(request).limit(n).toList();
        List<CompletableFuture<HttpResponse<String>>> sent = requests.stream()
                .map(r -> client.sendAsync(r, HttpResponse.BodyHandlers.ofString())).toList();
        return sent.stream().map(f -> f.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join()).toList();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
