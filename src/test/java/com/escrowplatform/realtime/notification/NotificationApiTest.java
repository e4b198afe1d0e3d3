package com.escrowplatform.realtime.notification;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * The notification feed: one notification per escrow event for every party but the actor, newest first,
 * {@code ?unread=true}, and {@code POST /read} (idempotent, only the recipient's own).
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NotificationApiTest {

    @Test
    void shouldNotifyTheInvitedPartiesButNotTheBuyerOfANewEscrow() {
        EscrowScenario escrow = EscrowScenario.pending();

        for (String party : List.of(escrow.seller(), escrow.arbiter())) {
            as(party).get("/api/notifications").then().statusCode(200)
                    .body("total", equalTo(1))
                    .body("items", hasSize(1))
                    .body("items[0].id", notNullValue())
                    .body("items[0].escrowId", equalTo(escrow.id()))
                    .body("items[0].kind", equalTo("escrow:status_changed"))
                    .body("items[0].title", equalTo("You were added to \u201cWebsite redesign\u201d"))
                    .body("items[0].body", notNullValue())
                    .body("items[0].createdAt", notNullValue())
                    .body("items[0].read", equalTo(false))
                    .body("items[0].readAt", nullValue());
        }
        as(escrow.buyer()).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(0)).body("items", empty());
    }

    @Test
    void shouldNotifyEveryPartyButTheActorOfEveryEvent() {
        EscrowScenario escrow = EscrowScenario.disputed();
        as(escrow.arbiter()).body(Map.of("resolution", "REFUND", "note", "Refunded in full"))
                .post(escrow.path("/disputes/" + escrow.disputeId() + "/resolve")).then().statusCode(200);
        JsonPath events = escrow.events().jsonPath();
        List<String> actors = events.getList("data.actorId");
        List<String> types = events.getList("type");

        for (String party : List.of(escrow.buyer(), escrow.seller(), escrow.arbiter())) {
            List<String> expectedKinds = new java.util.ArrayList<>();
            for (int i = 0; i < actors.size(); i++) {
                if (!actors.get(i).equals(party)) {
                    expectedKinds.add(types.get(i));
                }
            }
            Response feed = as(party).queryParam("size", 100).get("/api/notifications");
            feed.then().statusCode(200).body("total", equalTo(expectedKinds.size()))
                    .body("items.escrowId", everyItem(equalTo(escrow.id())));
            assertThat(feed.jsonPath().<String>getList("items.kind")).as("kinds seen by " + party)
                    .containsExactlyInAnyOrderElementsOf(expectedKinds);
        }
    }

    @Test
    void shouldListNotificationsNewestFirstInPages() {
        EscrowScenario escrow = EscrowScenario.funded();
        // the seller saw: created (1), arbiter joined (3), ACTIVE (4), FUNDED (5)
        Response all = as(escrow.seller()).get("/api/notifications");
        all.then().statusCode(200).body("total", equalTo(4)).body("page", equalTo(0)).body("size", equalTo(20));
        List<String> createdAt = all.path("items.createdAt");
        assertThat(createdAt.stream().map(Instant::parse).toList())
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(all.<String>path("items[0].title")).endsWith("is now FUNDED");
        assertThat(all.<String>path("items[3].title")).startsWith("You were added");

        List<String> ids = all.path("items.id");
        as(escrow.seller()).queryParam("page", 1).queryParam("size", 3).get("/api/notifications").then()
                .statusCode(200).body("total", equalTo(4)).body("page", equalTo(1)).body("size", equalTo(3))
                .body("items.id", contains(ids.get(3)));
    }

    @Test
    void shouldDescribeTheEventInTheNotification() {
        EscrowScenario escrow = EscrowScenario.funded();
        as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                .statusCode(200);
        as(escrow.seller()).get("/api/notifications").then().statusCode(200)
                .body("items[0].kind", equalTo("escrow:milestone_released"))
                .body("items[0].title", equalTo("Milestone released in \u201cWebsite redesign\u201d"))
                .body("items[0].body", equalTo("100.00 USD was released."));
    }

    @Test
    void shouldFilterUnreadNotifications() {
        EscrowScenario escrow = EscrowScenario.active();
        Response all = as(escrow.seller()).get("/api/notifications");
        all.then().statusCode(200).body("total", equalTo(3));
        String first = all.path("items[0].id");

        as(escrow.seller()).post("/api/notifications/" + first + "/read").then().statusCode(200);

        as(escrow.seller()).queryParam("unread", true).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(2))
                .body("items", hasSize(2))
                .body("items.id", not(hasItem(first)))
                .body("items.read", everyItem(equalTo(false)));
        as(escrow.seller()).queryParam("unread", false).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(3));
        as(escrow.seller()).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(3))
                .body("items.find { it.id == '" + first + "' }.read", equalTo(true));
    }

    @Test
    void shouldMarkANotificationReadIdempotently() {
        EscrowScenario escrow = EscrowScenario.pending();
        String id = as(escrow.seller()).get("/api/notifications").path("items[0].id");

        Response first = as(escrow.seller()).post("/api/notifications/" + id + "/read");
        first.then().statusCode(200)
                .body("id", equalTo(id))
                .body("read", equalTo(true))
                .body("readAt", notNullValue())
                .body("kind", equalTo("escrow:status_changed"));

        as(escrow.seller()).post("/api/notifications/" + id + "/read").then().statusCode(200)
                .body("read", equalTo(true))
                .body("readAt", equalTo(first.path("readAt")));
        as(escrow.seller()).queryParam("unread", true).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(0));
    }

    @Test
    void shouldAnswer403WhenSomeoneElseMarksANotificationRead() {
        EscrowScenario escrow = EscrowScenario.pending();
        String id = as(escrow.seller()).get("/api/notifications").path("items[0].id");

        for (String other : List.of(escrow.buyer(), escrow.arbiter(), uniqueUser("stranger"))) {
            as(other).post("/api/notifications/" + id + "/read").then()
                    .statusCode(403)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:escrow-realtime:problem:forbidden"))
                    .body("title", equalTo("Forbidden"))
                    .body("status", equalTo(403))
                    .body("code", equalTo("forbidden"))
                    .body("detail", notNullValue());
        }
        as(escrow.seller()).queryParam("unread", true).get("/api/notifications").then().statusCode(200)
                .body("total", equalTo(1)).body("items[0].id", equalTo(id));
    }

    @Test
    void shouldAnswer404ForAnUnknownNotification() {
        as(uniqueUser("someone")).post("/api/notifications/" + UUID.randomUUID() + "/read").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:notification_not_found"))
                .body("title", equalTo("Not found"))
                .body("status", equalTo(404))
                .body("code", equalTo("notification_not_found"))
                .body("detail", notNullValue());
    }

    @ParameterizedTest(name = "page={0} size={1}")
    @CsvSource({ "-1, 10, page", "0, 0, size", "0, 101, size", "first, 10, page" })
    void shouldAnswer400ForBadPagingParameters(String page, String size, String field) {
        as(uniqueUser("someone")).queryParam("page", page).queryParam("size", size).get("/api/notifications").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("code", equalTo("invalid_request"))
                .body("errors.field", contains(field));
    }

    /** Guards against a 500: notification text is cut to fit, the escrow keeps the whole reason. */
    @Test
    void shouldCutALongDisputeReasonToFitTheNotification() {
        EscrowScenario escrow = EscrowScenario.funded();
        String reason = "\ud83d\ude00".repeat(1000); // 2000 UTF-16 units, the longest reason allowed
        as(escrow.buyer()).body(Map.of("reason", reason)).post(escrow.path("/disputes")).then().statusCode(201);

        Response feed = as(escrow.seller()).queryParam("size", 100).get("/api/notifications");
        String body = feed.path("items.find { it.kind == 'escrow:dispute_filed' }.body");
        assertThat(body.length()).isLessThanOrEqualTo(1000);
        assertThat(body).startsWith("\ud83d\ude00").endsWith("\u2026");
        assertThat(Character.isHighSurrogate(body.charAt(body.length() - 2))).isFalse();
        escrow.read().then().body("disputes[0].reason", equalTo(reason));
    }
}
