package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.escrowBody;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

/** {@code POST /api/escrows}: the created escrow's shape, money formatting and every 400 of the body. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowCreationApiTest {
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Test
    void shouldCreateAPendingEscrowWithTheCallerAsTheJoinedBuyer() {
        String buyer = uniqueUser("buyer");
        String seller = uniqueUser("seller");
        String arbiter = uniqueUser("arbiter");

        Response created = as(buyer).body(escrowBody(seller, arbiter, "100.00", "25.5")).post("/api/escrows");

        created.then().statusCode(201)
                .header("Location", endsWith("/api/escrows/" + created.path("id")))
                .body("id", matchesPattern(UUID_PATTERN))
                .body("title", equalTo("Website redesign"))
                .body("description", equalTo("Two pages and a logo"))
                .body("status", equalTo("PENDING"))
                .body("version", equalTo(1))
                .body("amount.amount", equalTo("125.50"))
                .body("amount.currency", equalTo("USD"))
                .body("parties", hasSize(3))
                .body("parties.find { it.role == 'BUYER' }.userId", equalTo(buyer))
                .body("parties.find { it.role == 'BUYER' }.joined", equalTo(true))
                .body("parties.find { it.role == 'SELLER' }.userId", equalTo(seller))
                .body("parties.find { it.role == 'SELLER' }.joined", equalTo(false))
                .body("parties.find { it.role == 'ARBITER' }.userId", equalTo(arbiter))
                .body("parties.find { it.role == 'ARBITER' }.joined", equalTo(false))
                .body("milestones", hasSize(2))
                .body("milestones.title", contains("Milestone 1", "Milestone 2"))
                .body("milestones.amount.amount", contains("100.00", "25.50"))
                .body("milestones.amount.currency", contains("USD", "USD"))
                .body("milestones.status", contains("PENDING", "PENDING"))
                .body("milestones.id", everyItemIsAUuid())
                .body("disputes", empty())
                .body("createdAt", notNullValue())
                .body("updatedAt", equalTo(created.path("createdAt")));

        as(buyer).get("/api/escrows/" + created.path("id")).then().statusCode(200)
                .body("status", equalTo("PENDING")).body("version", equalTo(1))
                .body("amount.amount", equalTo("125.50"));
    }

    @Test
    void shouldCreateAnEscrowWithoutArbiterOrDescription() {
        String buyer = uniqueUser("buyer");
        String seller = uniqueUser("seller");
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(seller, null, "10.00"));
        body.remove("description");

        as(buyer).body(body).post("/api/escrows").then().statusCode(201)
                .body("parties.role", containsInAnyOrder("BUYER", "SELLER"))
                .body("description", equalTo(null));
    }

    @ParameterizedTest(name = "{0} {1} is written as {2}")
    @CsvSource({
            "USD, 7, 7.00",
            "USD, 7.5, 7.50",
            "JPY, 1500, 1500",
            "JPY, 1500.0, 1500",
            "BHD, 1.5, 1.500",
            "EUR, 0.01, 0.01" })
    void shouldWriteMoneyAsADecimalStringWithTheCurrencysDigits(String currency, String amount, String written) {
        String buyer = uniqueUser("buyer");
        as(buyer).body(body(uniqueUser("seller"), milestone("Only", amount, currency))).post("/api/escrows").then()
                .statusCode(201)
                .body("amount.amount", equalTo(written)).body("amount.currency", equalTo(currency))
                .body("milestones[0].amount.amount", equalTo(written));
    }

    @Test
    void shouldAnswer400NamingTheTitleWhenItIsMissing() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(uniqueUser("seller"), null, "10.00"));
        body.remove("title");
        assertInvalid(post(body), "title");
    }

    @Test
    void shouldAnswer400NamingTheTitleWhenItIsBlank() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(uniqueUser("seller"), null, "10.00"));
        body.put("title", "   ");
        assertInvalid(post(body), "title");
    }

    @Test
    void shouldAnswer400NamingTheMilestonesWhenThereAreNone() {
        assertInvalid(post(body(uniqueUser("seller"))), "milestones");
    }

    @Test
    void shouldAnswer400NamingTheMilestonesWhenTheyAreMissing() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(uniqueUser("seller"), null, "10.00"));
        body.remove("milestones");
        assertInvalid(post(body), "milestones");
    }

    @Test
    void shouldAnswer400NamingTheSellerWhenItIsMissing() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody("x", null, "10.00"));
        body.remove("sellerId");
        assertInvalid(post(body), "sellerId");
    }

    @Test
    void shouldListEveryInvalidFieldAtOnce() {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("milestones", List.of(Map.of("amount", Map.of("amount", "ten", "currency", "USD"))));
        post(body).then().statusCode(400)
                .body("errors.field", containsInAnyOrder("milestones[0].amount.amount", "milestones[0].title", "sellerId",
                        "title"));
    }

    @ParameterizedTest(name = "amount \"{0}\"")
    @CsvSource({ "ten", "'12,50'", "-5.00", "1e3", "''", "1.23456", "0x10" })
    void shouldAnswer400NamingTheAmountWhenItIsNotADecimalString(String amount) {
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", amount, "USD"))), "milestones[0].amount.amount");
    }

    @ParameterizedTest(name = "amount \"{0}\"")
    @CsvSource({ "0", "0.00" })
    void shouldAnswer400WhenAMilestoneAmountIsZero(String amount) {
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", amount, "USD"))), "milestones[0].amount.amount");
    }

    @Test
    void shouldAnswer400NamingTheAmountWhenItIsAnObject() {
        Map<String, Object> milestone = Map.of("title", "One", "amount", Map.of("amount", Map.of("value", 1), "currency", "USD"));
        assertInvalid(post(body(uniqueUser("seller"), milestone)), "milestones[0].amount.amount");
    }

    @Test
    void shouldAnswer400WhenMilestonesUseDifferentCurrencies() {
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", "10.00", "USD"), milestone("Two", "10.00", "EUR"))),
                "milestones[1].amount.currency");
    }

    @Test
    void shouldAnswer400WhenTheAmountHasMoreDecimalsThanTheCurrency() {
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", "1.5", "JPY"))), "milestones[0].amount.amount");
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", "1.505", "USD"))), "milestones[0].amount.amount");
    }

    @ParameterizedTest(name = "currency \"{0}\"")
    @CsvSource({ "usd", "US", "ABC" })
    void shouldAnswer400WhenTheCurrencyIsNotAnIsoCode(String currency) {
        assertInvalid(post(body(uniqueUser("seller"), milestone("One", "1.00", currency))), "milestones[0].amount.currency");
    }

    /** Guards against a 500: the sum of valid milestone amounts must still fit the stored total. */
    @Test
    void shouldAnswer400WhenTheTotalIsTooLargeToHold() {
        Response response = post(body(uniqueUser("seller"), milestone("One", "999999999999999", "USD"),
                milestone("Two", "999999999999999", "USD")));
        assertInvalid(response, "milestones");
    }

    @Test
    void shouldAnswer400WhenTheSellerIsTheBuyer() {
        String buyer = uniqueUser("buyer");
        Response response = as(buyer).body(escrowBody(buyer, null, "10.00")).post("/api/escrows");
        assertInvalid(response, "sellerId");
    }

    @Test
    void shouldAnswer400WhenTheArbiterIsTheBuyerOrTheSeller() {
        String buyer = uniqueUser("buyer");
        String seller = uniqueUser("seller");
        assertInvalid(as(buyer).body(escrowBody(seller, buyer, "10.00")).post("/api/escrows"), "arbiterId");
        assertInvalid(as(buyer).body(escrowBody(seller, seller, "10.00")).post("/api/escrows"), "arbiterId");
    }

    @Test
    void shouldAnswer400WhenTheTitleIsTooLong() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(uniqueUser("seller"), null, "10.00"));
        body.put("title", "t".repeat(201));
        assertInvalid(post(body), "title");
    }

    @Test
    void shouldAnswer400WhenTheBodyIsMalformedJson() {
        String buyer = uniqueUser("buyer");
        as(buyer).body("{\"title\": \"Broken\", ").post("/api/escrows").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("code", equalTo("malformed_json"))
                .body("type", equalTo("urn:escrow-realtime:problem:malformed_json"))
                .body("title", notNullValue())
                .body("detail", notNullValue());
        as(buyer).queryParam("size", 100).get("/api/escrows").then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void shouldAnswer400WhenAFieldHasTheWrongJsonType() {
        Map<String, Object> body = new java.util.HashMap<>(escrowBody(uniqueUser("seller"), null, "10.00"));
        body.put("milestones", "all of them");
        assertInvalid(post(body), "milestones");
    }

    @Test
    void shouldAnswer400WhenTheBodyIsMissing() {
        as(uniqueUser("buyer")).post("/api/escrows").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("code", equalTo("invalid_request"));
    }

    @Test
    void shouldCreateNothingWhenTheBodyIsInvalid() {
        String buyer = uniqueUser("buyer");
        as(buyer).body(escrowBody(buyer, null, "10.00")).post("/api/escrows").then().statusCode(400);
        as(buyer).body(body(uniqueUser("seller"), milestone("One", "1.5", "JPY"))).post("/api/escrows").then().statusCode(400);
        as(buyer).get("/api/escrows").then().statusCode(200).body("total", equalTo(0)).body("items", empty());
    }

    private static Response post(Map<String, Object> body) {
        return as(uniqueUser("buyer")).body(body).post("/api/escrows");
    }

    @SafeVarargs
    private static Map<String, Object> body(String seller, Map<String, Object>... milestones) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("title", "Logo");
        body.put("sellerId", seller);
        body.put("milestones", new ArrayList<>(List.of(milestones)));
        return body;
    }

    private static Map<String, Object> milestone(String title, String amount, String currency) {
        return Map.of("title", title, "amount", Map.of("amount", amount, "currency", currency));
    }

    /** A 400 problem that names {@code field} among its errors. */
    static ValidatableResponse assertInvalid(Response response, String field) {
        return response.then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:invalid_request"))
                .body("title", equalTo("Invalid request"))
                .body("status", equalTo(400))
                .body("detail", notNullValue())
                .body("code", equalTo("invalid_request"))
                .body("errors.field", hasItem(field))
                .body("errors.find { it.field == '" + field + "' }.message", notNullValue());
    }

    private static org.hamcrest.Matcher<Iterable<? extends String>> everyItemIsAUuid() {
        return org.hamcrest.Matchers.everyItem(matchesPattern(UUID_PATTERN));
    }

    @Test
    void shouldKeepTheMilestonesInTheGivenOrder() {
        String buyer = uniqueUser("buyer");
        Response created = as(buyer).body(escrowBody(uniqueUser("seller"), null, "3.00", "1.00", "2.00")).post("/api/escrows");
        created.then().statusCode(201);
        List<String> amounts = as(buyer).get("/api/escrows/" + created.path("id")).path("milestones.amount.amount");
        assertThat(amounts).containsExactly("3.00", "1.00", "2.00");
    }
}
