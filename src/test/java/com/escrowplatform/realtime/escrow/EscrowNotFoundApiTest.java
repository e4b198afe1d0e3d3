package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** 404 for an unknown escrow on every call, and for an unknown milestone or dispute of a known escrow. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowNotFoundApiTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "GET ", "GET /events", "POST /join", "POST /fund", "POST /milestones/{uuid}/release",
            "POST /disputes", "POST /disputes/{uuid}/resolve", "POST /cancel" })
    void shouldAnswer404ForAnUnknownEscrow(String call) {
        String[] parts = call.split(" ", 2);
        String path = "/api/escrows/" + UUID.randomUUID() + parts[1].replace("{uuid}", UUID.randomUUID().toString());
        var request = as(uniqueUser("someone"));
        if (path.endsWith("/disputes")) {
            request.body(Map.of("reason", "Why not"));
        } else if (path.endsWith("/resolve")) {
            request.body(Map.of("resolution", "REFUND"));
        }
        Response response = parts[0].equals("GET") ? request.get(path) : request.post(path);

        assertNotFound(response, "escrow_not_found");
    }

    @Test
    void shouldAnswer404ForAnUnknownEscrowEvenToSupport() {
        assertNotFound(as(uniqueUser("agent"), "support").get("/api/escrows/" + UUID.randomUUID()), "escrow_not_found");
    }

    @Test
    void shouldAnswer404ForAnUnknownMilestone() {
        EscrowScenario escrow = EscrowScenario.funded();
        assertNotFound(as(escrow.buyer()).post(escrow.path("/milestones/" + UUID.randomUUID() + "/release")),
                "milestone_not_found");
        escrow.read().then().body("version", equalTo(5));
    }

    @Test
    void shouldAnswer404ForAMilestoneOfAnotherEscrow() {
        EscrowScenario escrow = EscrowScenario.funded();
        EscrowScenario other = EscrowScenario.funded();
        assertNotFound(as(escrow.buyer()).post(escrow.path("/milestones/" + other.milestoneIds().get(0) + "/release")),
                "milestone_not_found");
        other.read().then().body("milestones[0].status", equalTo("PENDING"));
    }

    @Test
    void shouldAnswer404ForAnUnknownDispute() {
        EscrowScenario escrow = EscrowScenario.disputed();
        assertNotFound(as(escrow.arbiter()).body(Map.of("resolution", "REFUND"))
                .post(escrow.path("/disputes/" + UUID.randomUUID() + "/resolve")), "dispute_not_found");
        escrow.read().then().body("status", equalTo("DISPUTED")).body("version", equalTo(7));
    }

    @Test
    void shouldAnswer404ForADisputeOfAnotherEscrow() {
        EscrowScenario escrow = EscrowScenario.disputed();
        EscrowScenario other = EscrowScenario.disputed();
        assertNotFound(as(escrow.arbiter()).body(Map.of("resolution", "REFUND"))
                .post(escrow.path("/disputes/" + other.disputeId() + "/resolve")), "dispute_not_found");
        other.read().then().body("disputes[0].status", equalTo("OPEN"));
    }

    @Test
    void shouldAnswer404AsAProblemWhenTheEscrowIdIsNotAUuid() {
        as(uniqueUser("someone")).get("/api/escrows/not-a-uuid").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("code", notNullValue());
    }

    private static void assertNotFound(Response response, String code) {
        response.then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:" + code))
                .body("title", equalTo("Not found"))
                .body("status", equalTo(404))
                .body("code", equalTo(code))
                .body("detail", notNullValue());
    }
}
