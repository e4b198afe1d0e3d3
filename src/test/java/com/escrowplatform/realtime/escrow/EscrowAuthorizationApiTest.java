package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * 403 for a caller who is not a party or has the wrong role for the action; invited parties and
 * {@code support} may read. Role is checked before status, and a refused action changes nothing.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowAuthorizationApiTest {

    @Test
    void shouldAnswer403WhenANonPartyReadsAnEscrow() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertForbidden(as(uniqueUser("stranger")).get(escrow.path("")));
    }

    @Test
    void shouldAnswer403WhenANonPartyReadsTheEventLog() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertForbidden(as(uniqueUser("stranger")).get(escrow.path("/events")));
    }

    @Test
    void shouldLetInvitedPartiesReadBeforeTheyJoin() {
        EscrowScenario escrow = EscrowScenario.pending();
        as(escrow.seller()).get(escrow.path("")).then().statusCode(200).body("id", equalTo(escrow.id()));
        as(escrow.arbiter()).get(escrow.path("")).then().statusCode(200).body("id", equalTo(escrow.id()));
        as(escrow.arbiter()).get(escrow.path("/events")).then().statusCode(200).body("", hasSize(1));
    }

    @Test
    void shouldLetSupportReadAnyEscrowAndItsEvents() {
        EscrowScenario escrow = EscrowScenario.funded();
        String agent = uniqueUser("agent");
        as(agent, "support").get(escrow.path("")).then().statusCode(200)
                .body("id", equalTo(escrow.id())).body("status", equalTo("FUNDED"));
        as(agent, "support").get(escrow.path("/events")).then().statusCode(200).body("", hasSize(5));
    }

    @Test
    void shouldNotTreatAnotherRoleAsSupport() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertForbidden(as(uniqueUser("admin"), "admin", "Support").get(escrow.path("")));
    }

    @Test
    void shouldAnswer403WhenTheBuyerTriesToJoin() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertRefused(escrow, () -> as(escrow.buyer()).post(escrow.path("/join")));
    }

    @Test
    void shouldAnswer403WhenANonPartyTriesToJoin() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertRefused(escrow, () -> as(uniqueUser("stranger")).post(escrow.path("/join")));
        assertRefused(escrow, () -> as(uniqueUser("agent"), "support").post(escrow.path("/join")));
    }

    @Test
    void shouldAnswer403WhenAnyoneButTheBuyerFunds() {
        EscrowScenario escrow = EscrowScenario.active();
        assertRefused(escrow, () -> as(escrow.seller()).post(escrow.path("/fund")));
        assertRefused(escrow, () -> as(escrow.arbiter()).post(escrow.path("/fund")));
        assertRefused(escrow, () -> as(uniqueUser("stranger")).post(escrow.path("/fund")));
        assertRefused(escrow, () -> as(uniqueUser("agent"), "support").post(escrow.path("/fund")));
    }

    @Test
    void shouldCheckTheRoleBeforeTheStatus() {
        EscrowScenario escrow = EscrowScenario.pending();
        assertRefused(escrow, () -> as(escrow.seller()).post(escrow.path("/fund")));
    }

    @Test
    void shouldAnswer403WhenAnyoneButTheBuyerReleasesAMilestone() {
        EscrowScenario escrow = EscrowScenario.funded();
        String release = escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release");
        assertRefused(escrow, () -> as(escrow.seller()).post(release));
        assertRefused(escrow, () -> as(escrow.arbiter()).post(release));
        assertRefused(escrow, () -> as(uniqueUser("agent"), "support").post(release));
        escrow.read().then().body("milestones[0].status", equalTo("PENDING"));
    }

    @Test
    void shouldAnswer403WhenTheArbiterOrANonPartyFilesADispute() {
        EscrowScenario escrow = EscrowScenario.funded();
        Map<String, String> body = Map.of("reason", "Because");
        assertRefused(escrow, () -> as(escrow.arbiter()).body(body).post(escrow.path("/disputes")));
        assertRefused(escrow, () -> as(uniqueUser("stranger")).body(body).post(escrow.path("/disputes")));
        assertRefused(escrow, () -> as(uniqueUser("agent"), "support").body(body).post(escrow.path("/disputes")));
    }

    @Test
    void shouldAnswer403WhenABuyerSellerOrNonPartyResolvesADispute() {
        EscrowScenario escrow = EscrowScenario.disputed();
        String resolve = escrow.path("/disputes/" + escrow.disputeId() + "/resolve");
        Map<String, String> body = Map.of("resolution", "RELEASE");
        assertRefused(escrow, () -> as(escrow.buyer()).body(body).post(resolve));
        assertRefused(escrow, () -> as(escrow.seller()).body(body).post(resolve));
        assertRefused(escrow, () -> as(uniqueUser("stranger")).body(body).post(resolve));
        escrow.read().then().body("disputes[0].status", equalTo("OPEN"));
    }

    @Test
    void shouldAnswer403WhenAnyoneButTheBuyerCancels() {
        EscrowScenario escrow = EscrowScenario.active();
        assertRefused(escrow, () -> as(escrow.seller()).post(escrow.path("/cancel")));
        assertRefused(escrow, () -> as(escrow.arbiter()).post(escrow.path("/cancel")));
        assertRefused(escrow, () -> as(uniqueUser("agent"), "support").post(escrow.path("/cancel")));
    }

    /** A refused action: 403 problem, and the escrow's status, version and log are as before. */
    private static void assertRefused(EscrowScenario escrow, Supplier<Response> call) {
        Response before = escrow.read();
        assertForbidden(call.get());
        Response after = escrow.read();
        assertThat(after.<String>path("status")).isEqualTo(before.path("status"));
        assertThat(after.<Integer>path("version")).isEqualTo(before.<Integer>path("version"));
        assertThat(escrow.events().<List<Object>>path("")).hasSize(after.<Integer>path("version"));
    }

    private static void assertForbidden(Response response) {
        response.then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:forbidden"))
                .body("title", equalTo("Forbidden"))
                .body("status", equalTo(403))
                .body("code", equalTo("forbidden"))
                .body("detail", notNullValue());
    }
}
