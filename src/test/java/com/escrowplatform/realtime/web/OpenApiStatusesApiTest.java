package com.escrowplatform.realtime.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.DatabaseThroughRelay;
import com.escrowplatform.realtime.testsupport.ObservedAnswers;
import com.escrowplatform.realtime.testsupport.ObservedAnswers.Answer;
import com.escrowplatform.realtime.testsupport.TcpRelay;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The OpenAPI document lists exactly what the API answers: every operation is driven to every status the document
 * lists for it, with every problem {@code code} listed for that status, and nothing it answers is missing from the
 * document. Each answer also carries the headers the document marks as always present (Location on a 201,
 * WWW-Authenticate on a 401, Retry-After on a 503). The database link runs through a relay so that the 503s
 * can be driven too; {@code default} (a fault of the service) is the one answer no client can cause.
 */
@QuarkusTest
@TestProfile(DatabaseThroughRelay.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OpenApiStatusesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = IdempotentPosts.HEADER;
    private static final String TOO_LONG_KEY = "k".repeat(256);
    private static final String NOT_A_UUID = "not-a-uuid";

    private final ObservedAnswers observed = new ObservedAnswers();
    private final TcpRelay relay = DatabaseThroughRelay.relay();

    private final String buyer = Api.uniqueUser("buyer");
    private final String seller = Api.uniqueUser("seller");
    private final String arbiter = Api.uniqueUser("arbiter");
    private final String stranger = Api.uniqueUser("stranger");
    private final Map<String, String> usedKeys = new java.util.HashMap<>();

    @AfterEach
    void restoreTheDatabaseLink() {
        relay.forwardEverything();
        relay.acceptNewConnections();
    }

    @Test
    void shouldAnswerExactlyTheStatusesAndCodesTheDocumentListsForEveryOperation() throws Exception {
        JsonNode document = JSON.readTree(given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200).extract().asString());

        driveEveryDocumentedAnswer();

        Map<String, TreeSet<String>> answered = new TreeMap<>();
        List<String> missingHeaders = new ArrayList<>();
        for (Answer answer : observed.answers()) {
            String operation = operation(document, answer);
            String outcome = answer.code() == null ? String.valueOf(answer.status()) : answer.status() + " " + answer.code();
            answered.computeIfAbsent(operation, o -> new TreeSet<>()).add(outcome);
            for (String header : requiredHeaders(document, operation, answer.status())) {
                if (answer.headerNames().stream().noneMatch(header::equalsIgnoreCase)) {
                    missingHeaders.add(operation + " " + answer.status() + " without " + header);
                }
            }
        }
        Map<String, TreeSet<String>> documented = documentedAnswers(document);
        assertThat(difference(answered, documented)).as("answered, and not in the document").isEmpty();
        assertThat(difference(documented, answered)).as("in the document, and never answered").isEmpty();
        assertThat(missingHeaders).isEmpty();
    }

    /** Every answer of every operation, the errors before the successes that change what later calls see. */
    private void driveEveryDocumentedAnswer() {
        String escrow = created(as(buyer).body(Api.escrowBody(seller, arbiter, "10.00", "20.00")));
        String cancelled = created(as(buyer).body(Api.escrowBody(seller, arbiter, "5.00")));
        String pending = created(as(buyer).body(Api.escrowBody(seller, arbiter, "5.00")));
        String unknown = UUID.randomUUID().toString();
        String firstMilestone = Api.as(buyer).get("/api/escrows/" + escrow).path("milestones[0].id");

        // POST /api/escrows
        as(buyer).body(Map.of("sellerId", seller)).post("/api/escrows").then().statusCode(400);
        as(buyer).body("{").post("/api/escrows").then().statusCode(400);
        anonymous().body(Api.escrowBody(seller, null, "1.00")).post("/api/escrows").then().statusCode(401);
        as(buyer).contentType(ContentType.TEXT).body("an escrow").post("/api/escrows").then().statusCode(415);
        String key = UUID.randomUUID().toString();
        as(buyer).header(KEY, key).body(Api.escrowBody(seller, null, "1.00")).post("/api/escrows").then().statusCode(201);
        as(buyer).header(KEY, key).body(Api.escrowBody(seller, null, "2.00")).post("/api/escrows").then().statusCode(422);

        // POST /api/escrows/{id}/cancel, while the other escrows are PENDING
        everyCommonError("/api/escrows/%s/cancel", cancelled, buyer);
        as(seller).post("/api/escrows/" + cancelled + "/cancel").then().statusCode(403);
        as(buyer).post("/api/escrows/" + cancelled + "/cancel").then().statusCode(200);

        // POST /api/escrows/{id}/join: with an arbiter invited the seller's join leaves the escrow PENDING
        everyCommonError("/api/escrows/%s/join", escrow, seller);
        as(stranger).post("/api/escrows/" + escrow + "/join").then().statusCode(403);
        as(seller).post("/api/escrows/" + cancelled + "/join").then().statusCode(409);
        as(seller).post("/api/escrows/" + escrow + "/join").then().statusCode(200);
        as(seller).post("/api/escrows/" + escrow + "/join").then().statusCode(409);
        as(arbiter).post("/api/escrows/" + escrow + "/join").then().statusCode(200);

        // POST /api/escrows/{id}/fund, the escrow ACTIVE
        everyCommonError("/api/escrows/%s/fund", escrow, buyer);
        as(seller).post("/api/escrows/" + escrow + "/fund").then().statusCode(403);
        as(buyer).post("/api/escrows/" + pending + "/fund").then().statusCode(409);
        as(buyer).post("/api/escrows/" + escrow + "/fund").then().statusCode(200);
        as(buyer).post("/api/escrows/" + escrow + "/cancel").then().statusCode(409);

        // POST /api/escrows/{id}/milestones/{milestoneId}/release, the escrow FUNDED
        everyCommonError("/api/escrows/%s/milestones/" + firstMilestone + "/release", escrow, buyer);
        as(buyer).post("/api/escrows/" + escrow + "/milestones/" + unknown + "/release").then().statusCode(404);
        as(buyer).post("/api/escrows/" + escrow + "/milestones/" + NOT_A_UUID + "/release").then().statusCode(404);
        as(seller).post("/api/escrows/" + escrow + "/milestones/" + firstMilestone + "/release").then().statusCode(403);
        as(buyer).post("/api/escrows/" + pending + "/milestones/" + firstMilestone + "/release").then().statusCode(409);
        as(buyer).post("/api/escrows/" + escrow + "/milestones/" + firstMilestone + "/release").then().statusCode(200);
        as(buyer).post("/api/escrows/" + escrow + "/milestones/" + firstMilestone + "/release").then().statusCode(409);

        // POST /api/escrows/{id}/disputes
        Map<String, String> dispute = Map.of("reason", "The second page is missing");
        everyCommonError("/api/escrows/%s/disputes", escrow, seller, dispute);
        everyBodyError("/api/escrows/" + escrow + "/disputes", seller, Map.of("reason", " "));
        as(arbiter).body(dispute).post("/api/escrows/" + escrow + "/disputes").then().statusCode(403);
        as(seller).body(dispute).post("/api/escrows/" + pending + "/disputes").then().statusCode(409);
        String disputeId = as(seller).body(dispute).post("/api/escrows/" + escrow + "/disputes").then().statusCode(201)
                .extract().path("disputes[0].id");

        // POST /api/escrows/{id}/disputes/{disputeId}/resolve, the escrow DISPUTED
        Map<String, String> release = Map.of("resolution", "RELEASE");
        everyCommonError("/api/escrows/%s/disputes/" + disputeId + "/resolve", escrow, arbiter, release);
        everyBodyError("/api/escrows/" + escrow + "/disputes/" + disputeId + "/resolve", arbiter,
                Map.of("resolution", "MAYBE"));
        as(arbiter).body(release).post("/api/escrows/" + escrow + "/disputes/" + unknown + "/resolve").then().statusCode(404);
        as(arbiter).body(release).post("/api/escrows/" + escrow + "/disputes/" + NOT_A_UUID + "/resolve").then()
                .statusCode(404);
        as(buyer).body(release).post("/api/escrows/" + escrow + "/disputes/" + disputeId + "/resolve").then().statusCode(403);
        as(arbiter).body(release).post("/api/escrows/" + escrow + "/disputes/" + disputeId + "/resolve").then()
                .statusCode(200);
        as(arbiter).body(release).post("/api/escrows/" + escrow + "/disputes/" + disputeId + "/resolve").then()
                .statusCode(409);

        // GET /api/escrows/{id}, GET /api/escrows/{id}/events, GET /api/escrows
        for (String path : List.of("/api/escrows/%s", "/api/escrows/%s/events")) {
            as(buyer).get(path.formatted(escrow)).then().statusCode(200);
            as(stranger).get(path.formatted(escrow)).then().statusCode(403);
            as(buyer).get(path.formatted(unknown)).then().statusCode(404);
            as(buyer).get(path.formatted(NOT_A_UUID)).then().statusCode(404);
            anonymous().get(path.formatted(escrow)).then().statusCode(401);
        }
        as(buyer).queryParam("limit", 0).get("/api/escrows/" + escrow + "/events").then().statusCode(400);
        as(buyer).get("/api/escrows").then().statusCode(200);
        as(buyer).queryParam("page", -1).get("/api/escrows").then().statusCode(400);
        anonymous().get("/api/escrows").then().statusCode(401);

        // GET /api/notifications, POST /api/notifications/{id}/read: every event notifies the other parties
        String notification = as(seller).get("/api/notifications").then().statusCode(200).extract().path("items[0].id");
        as(seller).queryParam("size", 101).get("/api/notifications").then().statusCode(400);
        anonymous().get("/api/notifications").then().statusCode(401);
        as(seller).post("/api/notifications/" + notification + "/read").then().statusCode(200);
        as(buyer).post("/api/notifications/" + notification + "/read").then().statusCode(403);
        as(seller).post("/api/notifications/" + unknown + "/read").then().statusCode(404);
        as(seller).post("/api/notifications/" + NOT_A_UUID + "/read").then().statusCode(404);
        anonymous().post("/api/notifications/" + notification + "/read").then().statusCode(401);

        // POST /dev/token
        anonymous().body(Map.of("userId", "someone")).post("/dev/token").then().statusCode(200);
        anonymous().body(Map.of("userId", "")).post("/dev/token").then().statusCode(400);
        anonymous().body("{").post("/dev/token").then().statusCode(400);
        anonymous().contentType(ContentType.TEXT).body("someone").post("/dev/token").then().statusCode(415);

        // every /api call with the database out of reach
        relay.refuseNewConnections();
        relay.resetAll();
        as(buyer).body(Api.escrowBody(seller, null, "1.00")).post("/api/escrows").then().statusCode(503);
        for (String path : List.of("/api/escrows/%s/join", "/api/escrows/%s/fund", "/api/escrows/%s/cancel",
                "/api/escrows/%s/milestones/" + unknown + "/release", "/api/notifications/%s/read")) {
            as(buyer).post(path.formatted(unknown)).then().statusCode(503);
        }
        as(buyer).body(dispute).post("/api/escrows/" + unknown + "/disputes").then().statusCode(503);
        as(buyer).body(release).post("/api/escrows/" + unknown + "/disputes/" + unknown + "/resolve").then()
                .statusCode(503);
        for (String path : List.of("/api/escrows", "/api/escrows/" + unknown, "/api/escrows/" + unknown + "/events",
                "/api/notifications")) {
            as(buyer).get(path).then().statusCode(503);
        }
    }

    /**
     * What every action on an escrow answers the same way: 400 for a bad Idempotency-Key, 401, 404 for an unknown
     * escrow and for an id that is not a UUID, 422 for a key used on another request. {@code path} has a %s for
     * the escrow id; {@code body} is a valid body or none.
     */
    private void everyCommonError(String path, String escrow, String caller, Object... body) {
        String unknown = UUID.randomUUID().toString();
        as(caller, body).header(KEY, TOO_LONG_KEY).post(path.formatted(escrow)).then().statusCode(400);
        anonymous(body).post(path.formatted(escrow)).then().statusCode(401);
        as(caller, body).post(path.formatted(unknown)).then().statusCode(404);
        as(caller, body).post(path.formatted(NOT_A_UUID)).then().statusCode(404);
        as(caller, body).header(KEY, usedKey(caller)).post(path.formatted(escrow)).then().statusCode(422);
    }

    /** An Idempotency-Key that {@code caller} used on a call that succeeded (a failed call does not keep its key). */
    private String usedKey(String caller) {
        return usedKeys.computeIfAbsent(caller, c -> {
            String key = UUID.randomUUID().toString();
            as(c).header(KEY, key).body(Api.escrowBody(Api.uniqueUser("seller"), null, "1.00")).post("/api/escrows")
                    .then().statusCode(201);
            return key;
        });
    }

    /** What every action with a body answers to a body that is not JSON, an invalid field, another media type. */
    private void everyBodyError(String path, String caller, Object invalid) {
        as(caller).body("{").post(path).then().statusCode(400);
        as(caller).body(invalid).post(path).then().statusCode(400);
        as(caller).contentType(ContentType.TEXT).body("text").post(path).then().statusCode(415);
    }

    private String created(RequestSpecification creation) {
        return creation.post("/api/escrows").then().statusCode(201).extract().path("id");
    }

    private RequestSpecification as(String user, Object... body) {
        RequestSpecification request = Api.as(user).filter(observed);
        return body.length == 0 ? request : request.body(body[0]);
    }

    private RequestSpecification anonymous(Object... body) {
        RequestSpecification request = given().filter(observed).contentType(ContentType.JSON);
        return body.length == 0 ? request : request.body(body[0]);
    }

    /** Each "operation: answer" of {@code these} that {@code those} lacks. */
    private static List<String> difference(Map<String, TreeSet<String>> these, Map<String, TreeSet<String>> those) {
        List<String> missing = new ArrayList<>();
        these.forEach((operation, answers) -> answers.stream()
                .filter(answer -> !those.getOrDefault(operation, new TreeSet<>()).contains(answer))
                .forEach(answer -> missing.add(operation + ": " + answer)));
        return missing;
    }

    // ---- the document ------------------------------------------------------------------------------------------

    /** "POST /api/escrows/{id}/join" for a request to /api/escrows/&lt;uuid&gt;/join: the path whose template matches. */
    private static String operation(JsonNode document, Answer answer) {
        for (Iterator<String> templates = document.path("paths").fieldNames(); templates.hasNext();) {
            String template = templates.next();
            String pattern = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            if (answer.path().matches(pattern) && document.path("paths").path(template)
                    .has(answer.method().toLowerCase(java.util.Locale.ROOT))) {
                return answer.method() + " " + template;
            }
        }
        return answer.method() + " " + answer.path() + " (not in the document)";
    }

    /** Per operation, "status" for each answer it lists, "status code" for each problem code of an error answer. */
    private static Map<String, TreeSet<String>> documentedAnswers(JsonNode document) {
        Map<String, TreeSet<String>> documented = new TreeMap<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            TreeSet<String> answers = documented.computeIfAbsent(
                    op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey(), o -> new TreeSet<>());
            op.getValue().path("responses").fields().forEachRemaining(response -> {
                if (response.getKey().equals("default")) {
                    return; // a fault of the service
                }
                List<String> codes = problemCodes(document, resolve(document, response.getValue()));
                if (codes.isEmpty()) {
                    answers.add(response.getKey());
                }
                codes.forEach(code -> answers.add(response.getKey() + " " + code));
            });
        }));
        return documented;
    }

    private static List<String> problemCodes(JsonNode document, JsonNode response) {
        JsonNode schema = resolve(document, response.path("content").path("application/problem+json").path("schema"));
        List<String> codes = new ArrayList<>();
        for (JsonNode part : schema.path("allOf")) {
            resolve(document, part).path("properties").path("code").path("enum").forEach(code -> codes.add(code.asText()));
        }
        return codes;
    }

    /** The headers the document marks required on this answer of this operation. */
    private static List<String> requiredHeaders(JsonNode document, String operation, int status) {
        String[] methodAndPath = operation.split(" ", 2);
        JsonNode response = resolve(document, document.path("paths").path(methodAndPath[1])
                .path(methodAndPath[0].toLowerCase(java.util.Locale.ROOT)).path("responses").path(String.valueOf(status)));
        List<String> required = new ArrayList<>();
        response.path("headers").fields().forEachRemaining(header -> {
            if (resolve(document, header.getValue()).path("required").asBoolean(false)) {
                required.add(header.getKey());
            }
        });
        return required;
    }

    /** The node a local {@code $ref} points at, or the node itself. */
    private static JsonNode resolve(JsonNode document, JsonNode node) {
        JsonNode ref = node.path("$ref");
        return ref.isTextual() ? document.at(ref.asText().substring(1)) : node;
    }
}
