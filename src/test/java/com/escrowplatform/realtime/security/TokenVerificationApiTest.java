package com.escrowplatform.realtime.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * CONTRACT 1 on REST: every call needs a valid bearer token (RS256 or ES256, our issuer and audience, a
 * future exp, a sub); anything else is a 401 problem with {@code WWW-Authenticate: Bearer}, and does nothing.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class TokenVerificationApiTest {

    static Stream<Arguments> badTokens() {
        return Stream.of(
                Arguments.of("expired", (Function<String, String>) TestTokens::expired),
                Arguments.of("wrong issuer", (Function<String, String>) TestTokens::wrongIssuer),
                Arguments.of("wrong audience", (Function<String, String>) TestTokens::wrongAudience),
                Arguments.of("alg none", (Function<String, String>) TestTokens::algNone),
                Arguments.of("HMAC signed", (Function<String, String>) TestTokens::hmac),
                Arguments.of("unknown key", (Function<String, String>) TestTokens::unknownKey),
                Arguments.of("unknown key, no kid", (Function<String, String>) TestTokens::unknownKeyWithoutKid),
                Arguments.of("no exp", (Function<String, String>) TestTokens::withoutExp),
                Arguments.of("no sub", (Function<String, String>) user -> TestTokens.withoutSub()),
                Arguments.of("sub too long", (Function<String, String>) user -> TestTokens.forUser("u".repeat(129))),
                Arguments.of("not a JWT", (Function<String, String>) user -> "not-a-token"),
                Arguments.of("tampered claims", (Function<String, String>) TokenVerificationApiTest::tampered));
    }

    /** A valid token whose payload is swapped for another user's: the signature no longer matches. */
    private static String tampered(String user) {
        String[] good = TestTokens.forUser(user).split("\\.");
        String[] other = TestTokens.forUser(user + "-admin", "support").split("\\.");
        return good[0] + "." + other[1] + "." + good[2];
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void shouldAnswer401ForABadTokenOnARead(String name, Function<String, String> token) {
        EscrowScenario escrow = EscrowScenario.pending();
        assertUnauthorized(bearer(token.apply(escrow.buyer())).get(escrow.path("")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void shouldAnswer401ForABadTokenOnAChangeAndChangeNothing(String name, Function<String, String> token) {
        EscrowScenario escrow = EscrowScenario.pending();
        assertUnauthorized(bearer(token.apply(escrow.buyer())).post(escrow.path("/cancel")));
        escrow.read().then().body("status", equalTo("PENDING")).body("version", equalTo(1));
    }

    @Test
    void shouldAnswer401WithoutAToken() {
        assertUnauthorized(given().get("/api/escrows"));
        assertUnauthorized(given().get("/api/notifications"));
        assertUnauthorized(given().contentType(ContentType.JSON)
                .body(Api.escrowBody("seller-x", null, "1.00")).post("/api/escrows"));
    }

    @Test
    void shouldAnswer401ForAnotherAuthenticationScheme() {
        assertUnauthorized(given().auth().preemptive().basic("buyer", "secret").get("/api/escrows"));
    }

    @Test
    void shouldAnswer401BeforeLookingAtTheBody() {
        assertUnauthorized(given().contentType(ContentType.JSON).body("{not json").post("/api/escrows"));
    }

    @Test
    void shouldAcceptAnEs256Token() {
        EscrowScenario escrow = EscrowScenario.pending();
        bearer(TestTokens.es256(escrow.seller())).post(escrow.path("/join")).then()
                .statusCode(200).body("parties.find { it.role == 'SELLER' }.joined", equalTo(true));
        bearer(TestTokens.es256(escrow.buyer())).get(escrow.path("")).then().statusCode(200);
    }

    /** The test key set holds one RSA and one EC key: a token without kid is verified with the one of its type. */
    @Test
    void shouldAcceptATokenWithoutKidSignedByTheSetsOnlyKeyForItsAlgorithm() {
        EscrowScenario escrow = EscrowScenario.pending();
        bearer(TestTokens.es256WithoutKid(escrow.seller())).post(escrow.path("/join")).then()
                .statusCode(200).body("parties.find { it.role == 'SELLER' }.joined", equalTo(true));
        bearer(TestTokens.rs256WithoutKid(escrow.buyer())).get(escrow.path("")).then()
                .statusCode(200).body("id", equalTo(escrow.id()));
    }

    @Test
    void shouldAcceptATokenThatExpiresSoon() {
        EscrowScenario escrow = EscrowScenario.pending();
        bearer(TestTokens.expiringIn(escrow.buyer(), Duration.ofSeconds(30))).get(escrow.path("")).then()
                .statusCode(200).body("id", equalTo(escrow.id()));
    }

    @Test
    void shouldTakeTheUserFromSub() {
        String buyer = Api.uniqueUser("buyer");
        bearer(TestTokens.forUser(buyer)).contentType(ContentType.JSON)
                .body(Api.escrowBody(Api.uniqueUser("seller"), null, "5.00")).post("/api/escrows").then()
                .statusCode(201).body("parties.find { it.role == 'BUYER' }.userId", equalTo(buyer));
    }

    @Test
    void shouldAcceptTheLongestAllowedSub() {
        String buyer = "b".repeat(128);
        bearer(TestTokens.forUser(buyer)).get("/api/escrows").then().statusCode(200);
    }

    private static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
    }

    private static void assertUnauthorized(Response response) {
        response.then()
                .statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer"))
                .contentType("application/problem+json")
                .body("type", equalTo("urn:escrow-realtime:problem:unauthorized"))
                .body("title", equalTo("Unauthorized"))
                .body("status", equalTo(401))
                .body("code", equalTo("unauthorized"))
                .body("detail", notNullValue());
    }
}
