package com.escrowplatform.realtime.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The packaged application, run as in production (prod profile), against real PostgreSQL and Kafka. */
@QuarkusIntegrationTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class PackagedApplicationIT {

    @Test
    void shouldNotContainTheDevTokenEndpointInAProdBuild() {
        given().contentType("application/json").body("{\"userId\":\"mallory\",\"roles\":[\"support\"]}")
                .post("/dev/token").then()
                .statusCode(404)
                .body("code", equalTo("not_found"));
    }

    /** Prod has the index too; the notification center, off by default in prod, is not on it. */
    @Test
    void shouldIndexTheEndpointsAtTheRootWithoutTheDisabledNotificationCenter() {
        given().get("/").then().statusCode(200)
                .body(containsString("href=\"/q/openapi\""), containsString("href=\"/q/health/ready\""),
                        containsString("/socket.io/"), not(containsString("/notification-center")));
        given().get("/notification-center/").then().statusCode(404);
    }

    @Test
    void shouldServeTheApiWithThePlatformsTokens() {
        String buyer = Api.uniqueUser("buyer");
        Api.createEscrow(buyer, Api.uniqueUser("seller"), null, "12.00").then().statusCode(201)
                .body("status", equalTo("PENDING"));
        given().get("/api/escrows").then().statusCode(401).body("code", equalTo("unauthorized"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
