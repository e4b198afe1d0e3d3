package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.escrow.EscrowCreationApiTest.assertInvalid;
import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * {@code GET /api/escrows/{id}/events}: the log in version order, paged by {@code afterVersion} and
 * {@code limit}, each entry carrying the data of CONTRACT 3.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowEventLogApiTest {

    @Test
    void shouldReturnTheWholeLogInVersionOrderWithTheDataOfEachType() {
        EscrowScenario escrow = EscrowScenario.disputed("100.00", "50.00");
        as(escrow.arbiter()).body(Map.of("resolution", "RELEASE", "note", "Paid in full"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then().statusCode(200);
        String snapshotUpdatedAt = escrow.read().path("updatedAt");

        Response log = escrow.events();
        JsonPath json = log.jsonPath();

        assertThat(json.<String>getList("type")).containsExactly(
                "escrow:status_changed", // 1 created
                "escrow:party_joined", // 2 seller
                "escrow:party_joined", // 3 arbiter
                "escrow:status_changed", // 4 ACTIVE
                "escrow:status_changed", // 5 FUNDED
                "escrow:dispute_filed", // 6
                "escrow:status_changed", // 7 DISPUTED
                "escrow:dispute_resolved", // 8
                "escrow:milestone_released", // 9
                "escrow:milestone_released", // 10
                "escrow:status_changed"); // 11 COMPLETED
        assertThat(json.<Integer>getList("version")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(json.<Integer>getList("data.version")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(json.<String>getList("data.escrowId")).containsOnly(escrow.id());
        assertThat(json.<String>getList("id")).doesNotHaveDuplicates().doesNotContainNull();
        for (int i = 0; i < 11; i++) {
            assertThat(Instant.parse(json.getString("data[" + i + "].occurredAt")))
                    .isEqualTo(Instant.parse(json.getString("[" + i + "].occurredAt")));
        }
        assertThat(Instant.parse(json.getString("[10].occurredAt"))).isEqualTo(Instant.parse(snapshotUpdatedAt));
        assertThat(json.<String>getList("data.actorId")).containsExactly(escrow.buyer(), escrow.seller(),
                escrow.arbiter(), escrow.arbiter(), escrow.buyer(), escrow.buyer(), escrow.buyer(), escrow.arbiter(),
                escrow.arbiter(), escrow.arbiter(), escrow.arbiter());

        // status_changed: from, to; creation comes from null
        assertThat(json.getMap("[0].data")).containsEntry("from", null).containsEntry("to", "PENDING");
        assertThat(json.getMap("[3].data")).containsEntry("from", "PENDING").containsEntry("to", "ACTIVE");
        assertThat(json.getMap("[4].data")).containsEntry("from", "ACTIVE").containsEntry("to", "FUNDED");
        assertThat(json.getMap("[6].data")).containsEntry("from", "FUNDED").containsEntry("to", "DISPUTED");
        assertThat(json.getMap("[10].data")).containsEntry("from", "DISPUTED").containsEntry("to", "COMPLETED");
        // party_joined: userId, role
        assertThat(json.getMap("[1].data")).containsEntry("userId", escrow.seller()).containsEntry("role", "SELLER");
        assertThat(json.getMap("[2].data")).containsEntry("userId", escrow.arbiter()).containsEntry("role", "ARBITER");
        // dispute_filed: disputeId, reason
        assertThat(json.getMap("[5].data")).containsEntry("disputeId", escrow.disputeId())
                .containsEntry("reason", "The work was not delivered");
        // dispute_resolved: disputeId, resolution, note
        assertThat(json.getMap("[7].data")).containsEntry("disputeId", escrow.disputeId())
                .containsEntry("resolution", "RELEASE").containsEntry("note", "Paid in full");
        // milestone_released: milestoneId, amount as money
        assertThat(json.getString("[8].data.milestoneId")).isEqualTo(escrow.milestoneIds().get(0));
        assertThat(json.getMap("[8].data.amount")).isEqualTo(Map.of("amount", "100.00", "currency", "USD"));
        assertThat(json.getString("[9].data.milestoneId")).isEqualTo(escrow.milestoneIds().get(1));
        assertThat(json.getMap("[9].data.amount")).isEqualTo(Map.of("amount", "50.00", "currency", "USD"));
    }

    @Test
    void shouldReturnTheEventsAfterAVersionUpToTheLimit() {
        EscrowScenario escrow = EscrowScenario.funded();

        as(escrow.buyer()).queryParam("afterVersion", 2).queryParam("limit", 2).get(escrow.path("/events")).then()
                .statusCode(200)
                .body("version", contains(3, 4))
                .body("type", contains("escrow:party_joined", "escrow:status_changed"));
        as(escrow.seller()).queryParam("afterVersion", 4).get(escrow.path("/events")).then()
                .statusCode(200).body("version", contains(5));
        as(escrow.seller()).queryParam("afterVersion", 5).get(escrow.path("/events")).then()
                .statusCode(200).body("", empty());
    }

    @Test
    void shouldLineUpTheSnapshotVersionWithTheLog() {
        EscrowScenario escrow = EscrowScenario.funded();
        int version = escrow.version();
        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                .statusCode(200);

        as(escrow.buyer()).queryParam("afterVersion", version).get(escrow.path("/events")).then()
                .statusCode(200).body("version", contains(version + 1))
                .body("[0].data.milestoneId", equalTo(escrow.milestoneIds().get(0)));
    }

    @Test
    void shouldNotMixEventsOfOtherEscrows() {
        EscrowScenario escrow = EscrowScenario.pending();
        EscrowScenario.funded();
        as(escrow.buyer()).get(escrow.path("/events")).then().statusCode(200)
                .body("data.escrowId", contains(escrow.id()));
    }

    @ParameterizedTest(name = "afterVersion={0} limit={1}")
    @CsvSource({ "-1, 10, afterVersion", "0, 0, limit", "0, 1001, limit", "x, 10, afterVersion", "0, many, limit" })
    void shouldAnswer400ForBadLogParameters(String afterVersion, String limit, String field) {
        EscrowScenario escrow = EscrowScenario.pending();
        assertInvalid(as(escrow.buyer()).queryParam("afterVersion", afterVersion).queryParam("limit", limit)
                .get(escrow.path("/events")), field);
    }

    @Test
    void shouldListEventIdsAsUuids() {
        EscrowScenario escrow = EscrowScenario.pending();
        List<String> ids = escrow.events().path("id");
        assertThat(ids).singleElement().satisfies(id -> java.util.UUID.fromString(id));
    }
}
