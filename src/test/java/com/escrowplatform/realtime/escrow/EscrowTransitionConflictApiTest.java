package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * 409 for every action tried from every status that does not allow it, by the party allowed to act, and the
 * specific conflicts beyond the status table. A refused action changes nothing.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowTransitionConflictApiTest {

    /** One action as the party allowed to take it, and the statuses that allow it. */
    enum Action {
        JOIN("join", e -> as(e.seller()).post(e.path("/join")), "PENDING"),
        FUND("fund", e -> as(e.buyer()).post(e.path("/fund")), "ACTIVE"),
        RELEASE_MILESTONE("release_milestone",
                e -> as(e.buyer()).post(e.path("/milestones/" + e.milestoneIds().get(0) + "/release")), "FUNDED"),
        FILE_DISPUTE("file_dispute", e -> as(e.buyer()).body(Map.of("reason", "Late")).post(e.path("/disputes")), "FUNDED"),
        RESOLVE_DISPUTE("resolve_dispute", e -> as(e.arbiter()).body(Map.of("resolution", "RELEASE"))
                .post(e.path("/disputes/" + (e.disputeId() == null ? UUID.randomUUID() : e.disputeId()) + "/resolve")),
                "DISPUTED"),
        CANCEL("cancel", e -> as(e.buyer()).post(e.path("/cancel")), "PENDING", "ACTIVE");

        final String wireName;
        final Function<EscrowScenario, Response> call;
        final List<String> allowedIn;

        Action(String wireName, Function<EscrowScenario, Response> call, String... allowedIn) {
            this.wireName = wireName;
            this.call = call;
            this.allowedIn = List.of(allowedIn);
        }
    }

    static Stream<Arguments> actionsFromStatusesThatDoNotAllowThem() {
        return Stream.of(Action.values()).flatMap(action -> EscrowScenario.STATUSES.stream()
                .filter(status -> !action.allowedIn.contains(status))
                .map(status -> Arguments.of(action, status)));
    }

    @ParameterizedTest(name = "{0} while {1}")
    @MethodSource("actionsFromStatusesThatDoNotAllowThem")
    void shouldAnswer409WhenTheStatusDoesNotAllowTheAction(Action action, String status) {
        EscrowScenario escrow = EscrowScenario.in(status);
        int version = escrow.version();

        action.call.apply(escrow).then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:transition_not_allowed"))
                .body("title", equalTo("Transition not allowed"))
                .body("status", equalTo(409))
                .body("code", equalTo("transition_not_allowed"))
                .body("detail", allOf(containsString(action.wireName), containsString(status)));

        assertUnchanged(escrow, status, version);
    }

    @Test
    void shouldAnswer409AlreadyJoinedWhenTheSellerJoinsTwice() {
        EscrowScenario escrow = EscrowScenario.pending();
        as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);

        as(escrow.seller()).post(escrow.path("/join")).then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("code", equalTo("already_joined"))
                .body("type", equalTo("urn:escrow-realtime:problem:already_joined"))
                .body("title", equalTo("Conflict"))
                .body("status", equalTo(409))
                .body("detail", containsString("already joined"));

        assertUnchanged(escrow, "PENDING", 2);
    }

    @Test
    void shouldAnswer409AlreadyJoinedWhenTheArbiterJoinsTwice() {
        EscrowScenario escrow = EscrowScenario.pending();
        as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
        as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(409).body("code", equalTo("already_joined"));
        assertUnchanged(escrow, "PENDING", 2);
    }

    @Test
    void shouldAnswer409WhenAMilestoneIsReleasedTwice() {
        EscrowScenario escrow = EscrowScenario.funded();
        String first = escrow.milestoneIds().get(0);
        as(escrow.buyer()).post(escrow.path("/milestones/" + first + "/release")).then().statusCode(200);

        as(escrow.buyer()).post(escrow.path("/milestones/" + first + "/release")).then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("code", equalTo("milestone_already_released"))
                .body("type", equalTo("urn:escrow-realtime:problem:milestone_already_released"))
                .body("status", equalTo(409))
                .body("title", equalTo("Conflict"))
                .body("detail", containsString("already released"));

        assertUnchanged(escrow, "FUNDED", 6);
    }

    /**
     * A resolved dispute leaves the escrow in a final status, so resolving it again is refused by the status
     * table before the dispute's own state is looked at.
     */
    @Test
    void shouldAnswer409WhenAResolvedDisputeIsResolvedAgain() {
        EscrowScenario escrow = EscrowScenario.disputed();
        as(escrow.arbiter()).body(Map.of("resolution", "REFUND"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then().statusCode(200);

        as(escrow.arbiter()).body(Map.of("resolution", "RELEASE"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then()
                .statusCode(409)
                .body("code", equalTo("transition_not_allowed"))
                .body("detail", containsString("REFUNDED"));

        assertUnchanged(escrow, "REFUNDED", 9);
        escrow.read().then().body("disputes[0].resolution", equalTo("REFUND"));
    }

    @Test
    void shouldAnswer409WhenASecondDisputeIsFiledWhileDisputed() {
        EscrowScenario escrow = EscrowScenario.disputed();
        as(escrow.seller()).body(Map.of("reason", "Me too")).post(escrow.path("/disputes")).then()
                .statusCode(409).body("code", equalTo("transition_not_allowed"));
        escrow.read().then().body("disputes.size()", equalTo(1));
    }

    private static void assertUnchanged(EscrowScenario escrow, String status, int version) {
        Response now = escrow.read();
        assertThat(now.<String>path("status")).isEqualTo(status);
        assertThat(now.<Integer>path("version")).isEqualTo(version);
        assertThat(escrow.events().<List<Integer>>path("version")).hasSize(version);
    }
}
