package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.escrow.EscrowCreationApiTest.assertInvalid;
import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** 400 for the bodies of filing and resolving a dispute; an invalid body changes nothing. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowActionBodyApiTest {

    @Test
    void shouldAnswer400NamingTheResolutionWhenItIsNotAKnownValue() {
        EscrowScenario escrow = EscrowScenario.disputed();
        assertInvalid(as(escrow.arbiter()).body(Map.of("resolution", "SPLIT"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")), "resolution");
        assertStillOpen(escrow);
    }

    @Test
    void shouldAnswer400NamingTheResolutionWhenItIsLowerCase() {
        EscrowScenario escrow = EscrowScenario.disputed();
        assertInvalid(as(escrow.arbiter()).body(Map.of("resolution", "refund"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")), "resolution");
        assertStillOpen(escrow);
    }

    @Test
    void shouldAnswer400NamingTheResolutionWhenItIsMissing() {
        EscrowScenario escrow = EscrowScenario.disputed();
        assertInvalid(as(escrow.arbiter()).body(Map.of("note", "No decision"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")), "resolution");
        assertStillOpen(escrow);
    }

    @Test
    void shouldAnswer400NamingTheNoteWhenItIsTooLong() {
        EscrowScenario escrow = EscrowScenario.disputed();
        assertInvalid(as(escrow.arbiter()).body(Map.of("resolution", "REFUND", "note", "n".repeat(2001)))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")), "note");
        assertStillOpen(escrow);
    }

    @Test
    void shouldAnswer400WhenTheResolveBodyIsMalformedJson() {
        EscrowScenario escrow = EscrowScenario.disputed();
        as(escrow.arbiter()).body("{\"resolution\": REFUND}")
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:malformed_json"))
                .body("status", equalTo(400))
                .body("code", equalTo("malformed_json"));
        assertStillOpen(escrow);
    }

    @Test
    void shouldAnswer400NamingTheReasonWhenItIsBlankOrMissing() {
        EscrowScenario escrow = EscrowScenario.funded();
        assertInvalid(as(escrow.buyer()).body(Map.of("reason", " ")).post(escrow.path("/disputes")), "reason");
        assertInvalid(as(escrow.buyer()).body(Map.of()).post(escrow.path("/disputes")), "reason");
        assertInvalid(as(escrow.buyer()).body(Map.of("reason", "r".repeat(2001))).post(escrow.path("/disputes")), "reason");
        escrow.read().then().body("status", equalTo("FUNDED")).body("version", equalTo(5))
                .body("disputes.size()", equalTo(0));
    }

    @Test
    void shouldAnswer400WhenTheDisputeBodyIsMissing() {
        EscrowScenario escrow = EscrowScenario.funded();
        as(escrow.buyer()).post(escrow.path("/disputes")).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("code", equalTo("invalid_request"));
        escrow.read().then().body("status", equalTo("FUNDED"));
    }

    private static void assertStillOpen(EscrowScenario escrow) {
        escrow.read().then().body("status", equalTo("DISPUTED")).body("version", equalTo(7))
                .body("disputes[0].status", equalTo("OPEN"));
    }
}
