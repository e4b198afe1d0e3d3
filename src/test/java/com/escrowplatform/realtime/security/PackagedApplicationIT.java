package com.escrowplatform.realtime.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

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

    @Test
    void shouldServeTheApiWithThePlatformsTokens() {
        String buyer = Api.uniqueUser("buyer");
        Api.createEscrow(buyer, Api.uniqueUser("seller"), null, "12.00").then().statusCode(201)
                .body("status", equalTo("PENDING"));
        given().get("/api/escrows").then().statusCode(401).body("code", equalTo("unauthorized"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
