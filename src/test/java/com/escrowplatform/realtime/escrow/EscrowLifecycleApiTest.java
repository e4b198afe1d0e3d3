package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The happy path of every escrow action: the answer, the status it leads to, and that the version grows by
 * exactly the number of events the action wrote (checked against the event log).
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowLifecycleApiTest {

    @Test
    void shouldMarkTheSellerJoinedAndStayPendingWhileTheArbiterHasNotJoined() {
        EscrowScenario escrow = EscrowScenario.pending();

        as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200)
                .body("id", equalTo(escrow.id()))
                .body("status", equalTo("PENDING"))
                .body("version", equalTo(2))
                .body("parties.find { it.role == 'SELLER' }.joined", equalTo(true))
                .body("parties.find { it.role == 'ARBITER' }.joined", equalTo(false));

        assertEventTypes(escrow, "escrow:status_changed", "escrow:party_joined");
    }

    @Test
    void shouldActivateWhenTheLastInvitedPartyJoins() {
        EscrowScenario escrow = EscrowScenario.pending();
        as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200)
                .body("status", equalTo("PENDING")).body("version", equalTo(2));

        as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("version", equalTo(4))
                .body("parties.joined", contains(true, true, true));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type")).containsExactly("escrow:status_changed", "escrow:party_joined",
                "escrow:party_joined", "escrow:status_changed");
        assertThat(events.<List<Integer>>path("version")).containsExactly(1, 2, 3, 4);
        assertThat(events.<String>path("[2].data.role")).isEqualTo("SELLER");
        assertThat(events.<String>path("[3].data.from")).isEqualTo("PENDING");
        assertThat(events.<String>path("[3].data.to")).isEqualTo("ACTIVE");
    }

    @Test
    void shouldActivateAnEscrowWithoutArbiterOnTheSellersJoin() {
        String buyer = uniqueUser("buyer");
        String seller = uniqueUser("seller");
        String id = Api.createEscrow(buyer, seller, null, "40.00").then().statusCode(201).extract().path("id");

        as(seller).post("/api/escrows/" + id + "/join").then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("version", equalTo(3))
                .body("parties", hasSize(2))
                .body("parties.joined", contains(true, true));
    }

    @Test
    void shouldFundAnActiveEscrow() {
        EscrowScenario escrow = EscrowScenario.active();

        as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200)
                .body("status", equalTo("FUNDED"))
                .body("version", equalTo(5))
                .body("amount.amount", equalTo("150.00"));

        assertThat(escrow.events().<String>path("[4].data.to")).isEqualTo("FUNDED");
        assertThat(escrow.status()).isEqualTo("FUNDED");
    }

    @Test
    void shouldReleaseOneMilestoneAndStayFunded() {
        EscrowScenario escrow = EscrowScenario.funded();
        String first = escrow.milestoneIds().get(0);

        as(escrow.buyer()).post(escrow.path("/milestones/" + first + "/release")).then().statusCode(200)
                .body("status", equalTo("FUNDED"))
                .body("version", equalTo(6))
                .body("milestones.status", contains("RELEASED", "PENDING"));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type")).hasSize(6).last().isEqualTo("escrow:milestone_released");
        assertThat(events.<String>path("[5].data.milestoneId")).isEqualTo(first);
        assertThat(events.<String>path("[5].data.amount.amount")).isEqualTo("100.00");
    }

    @Test
    void shouldCompleteWhenTheLastMilestoneIsReleased() {
        EscrowScenario escrow = EscrowScenario.funded();
        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(1) + "/release")).then()
                .statusCode(200).body("version", equalTo(6)).body("status", equalTo("FUNDED"));

        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                .statusCode(200)
                .body("status", equalTo("COMPLETED"))
                .body("version", equalTo(8))
                .body("milestones.status", contains("RELEASED", "RELEASED"));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type")).hasSize(8);
        assertThat(events.<List<String>>path("type").subList(6, 8))
                .containsExactly("escrow:milestone_released", "escrow:status_changed");
        assertThat(events.<String>path("[7].data.from")).isEqualTo("FUNDED");
        assertThat(events.<String>path("[7].data.to")).isEqualTo("COMPLETED");
    }

    @Test
    void shouldCompleteASingleMilestoneEscrowWithOneRelease() {
        EscrowScenario escrow = EscrowScenario.funded("12.34");
        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                .statusCode(200).body("status", equalTo("COMPLETED")).body("version", equalTo(7));
    }

    @Test
    void shouldPutTheEscrowInDisputeWhenTheBuyerFilesOne() {
        EscrowScenario escrow = EscrowScenario.funded();

        Response filed = as(escrow.buyer()).body(Map.of("reason", "Nothing was delivered")).post(escrow.path("/disputes"));

        filed.then().statusCode(201)
                .header("Location", endsWith(escrow.path("")))
                .body("status", equalTo("DISPUTED"))
                .body("version", equalTo(7))
                .body("disputes", hasSize(1))
                .body("disputes[0].id", notNullValue())
                .body("disputes[0].filedBy", equalTo(escrow.buyer()))
                .body("disputes[0].reason", equalTo("Nothing was delivered"))
                .body("disputes[0].status", equalTo("OPEN"))
                .body("disputes[0]", not(org.hamcrest.Matchers.hasKey("resolution")));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type").subList(5, 7))
                .containsExactly("escrow:dispute_filed", "escrow:status_changed");
        assertThat(events.<String>path("[5].data.disputeId")).isEqualTo(filed.path("disputes[0].id"));
        assertThat(events.<String>path("[6].data.to")).isEqualTo("DISPUTED");
    }

    @Test
    void shouldLetTheSellerFileADispute() {
        EscrowScenario escrow = EscrowScenario.funded();
        as(escrow.seller()).body(Map.of("reason", "The buyer will not release")).post(escrow.path("/disputes")).then()
                .statusCode(201).body("status", equalTo("DISPUTED")).body("disputes[0].filedBy", equalTo(escrow.seller()));
    }

    /** Guards against a 500: a reason of the allowed length must fit the notifications it causes. */
    @Test
    void shouldAcceptADisputeReasonOfTheMaximumLength() {
        EscrowScenario escrow = EscrowScenario.funded();
        String reason = "r".repeat(2000);
        as(escrow.buyer()).body(Map.of("reason", reason)).post(escrow.path("/disputes")).then()
                .statusCode(201).body("disputes[0].reason", equalTo(reason));
        assertThat(escrow.events().<String>path("[5].data.reason")).isEqualTo(reason);
    }

    @Test
    void shouldCompleteAndReleaseTheOpenMilestonesWhenADisputeIsResolvedForRelease() {
        EscrowScenario escrow = EscrowScenario.funded();
        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then().statusCode(200);
        String disputeId = as(escrow.buyer()).body(Map.of("reason", "Second half is late")).post(escrow.path("/disputes"))
                .then().statusCode(201).body("version", equalTo(8)).extract().path("disputes[0].id");

        as(escrow.arbiter()).body(Map.of("resolution", "RELEASE", "note", "Delivered after all"))
                .post(escrow.path("/disputes/" + disputeId + "/resolve")).then()
                .statusCode(200)
                .body("status", equalTo("COMPLETED"))
                // dispute_resolved, one milestone_released for the one open milestone, status_changed
                .body("version", equalTo(11))
                .body("milestones.status", contains("RELEASED", "RELEASED"))
                .body("disputes[0].status", equalTo("RESOLVED"))
                .body("disputes[0].resolution", equalTo("RELEASE"))
                .body("disputes[0].note", equalTo("Delivered after all"));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type").subList(8, 11))
                .containsExactly("escrow:dispute_resolved", "escrow:milestone_released", "escrow:status_changed");
        assertThat(events.<String>path("[9].data.milestoneId")).isEqualTo(escrow.milestoneIds().get(1));
        assertThat(events.<String>path("[10].data.to")).isEqualTo("COMPLETED");
    }

    @Test
    void shouldRefundWhenADisputeIsResolvedForRefund() {
        EscrowScenario escrow = EscrowScenario.disputed();

        as(escrow.arbiter()).body(Map.of("resolution", "REFUND"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then()
                .statusCode(200)
                .body("status", equalTo("REFUNDED"))
                .body("version", equalTo(9))
                .body("milestones.status", contains("PENDING", "PENDING"))
                .body("disputes[0].resolution", equalTo("REFUND"));

        Response events = escrow.events();
        assertThat(events.<List<String>>path("type").subList(7, 9))
                .containsExactly("escrow:dispute_resolved", "escrow:status_changed");
        assertThat(events.<String>path("[7].data.resolution")).isEqualTo("REFUND");
        assertThat(events.<Object>path("[7].data.note")).isNull();
        assertThat(events.<String>path("[8].data.to")).isEqualTo("REFUNDED");
    }

    @Test
    void shouldLetSupportResolveADisputeWithoutBeingAParty() {
        EscrowScenario escrow = EscrowScenario.disputed();
        String agent = uniqueUser("agent");

        as(agent, "support").body(Map.of("resolution", "RELEASE", "note", "Checked by support"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then()
                .statusCode(200).body("status", equalTo("COMPLETED")).body("version", equalTo(11));

        assertThat(escrow.events().<String>path("[7].data.actorId")).isEqualTo(agent);
    }

    @Test
    void shouldCancelAPendingEscrow() {
        EscrowScenario escrow = EscrowScenario.pending();
        as(escrow.buyer()).post(escrow.path("/cancel")).then().statusCode(200)
                .body("status", equalTo("CANCELLED")).body("version", equalTo(2));
        assertThat(escrow.events().<String>path("[1].data.from")).isEqualTo("PENDING");
    }

    @Test
    void shouldCancelAnActiveEscrow() {
        EscrowScenario escrow = EscrowScenario.active();
        as(escrow.buyer()).post(escrow.path("/cancel")).then().statusCode(200)
                .body("status", equalTo("CANCELLED")).body("version", equalTo(5));
        Response events = escrow.events();
        assertThat(events.<String>path("[4].data.from")).isEqualTo("ACTIVE");
        assertThat(events.<String>path("[4].data.to")).isEqualTo("CANCELLED");
    }

    @Test
    void shouldMoveUpdatedAtWithEveryChange() {
        EscrowScenario escrow = EscrowScenario.pending();
        Response before = escrow.read();
        Response after = as(escrow.seller()).post(escrow.path("/join"));
        after.then().statusCode(200).body("createdAt", equalTo(before.path("createdAt")));
        assertThat(java.time.Instant.parse(after.path("updatedAt")))
                .isAfter(java.time.Instant.parse(before.path("updatedAt")));
        assertThat(after.<String>path("updatedAt")).isEqualTo(escrow.events().path("[1].occurredAt"));
    }

    private static void assertEventTypes(EscrowScenario escrow, String... types) {
        assertThat(escrow.events().<List<String>>path("type")).containsExactly(types);
    }
}
