package com.escrowplatform.realtime.web;

import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With the database out of reach, calls get 503 with Retry-After, never a 500, and readiness goes down. */
@QuarkusTest
@TestProfile(DatabaseUnavailableTest.UnreachableDatabase.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class DatabaseUnavailableTest {

    /** Flyway (JDBC) still migrates at start; every request path (reactive) points at a closed port. */
    public static class UnreachableDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:1/escrow",
                    "escrow.outbox.enabled", "false", "escrow.idempotency.purge-enabled", "false");
        }
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenTheDatabaseIsUnreachable() {
        Api.as(Api.uniqueUser("buyer")).get("/api/escrows").then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "5")
                .body("code", equalTo("database_unavailable"))
                .body("status", equalTo(503));

        Api.createEscrow(Api.uniqueUser("buyer"), Api.uniqueUser("seller"), null, "5.00").then()
                .statusCode(503)
                .body("code", equalTo("database_unavailable"));
    }

    @Test
    void shouldReportNotReadyWhileTheDatabaseIsUnreachable() {
        io.restassured.RestAssured.get("/q/health/ready").then().statusCode(503)
                .body("status", equalTo("DOWN"));
        io.restassured.RestAssured.get("/q/health/live").then().statusCode(200);
    }
}
