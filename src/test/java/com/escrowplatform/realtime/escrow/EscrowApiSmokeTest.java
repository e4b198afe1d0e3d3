package com.escrowplatform.realtime.escrow;

import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowApiSmokeTest {
    @Test
    void shouldCreateAndFundAnEscrow() {
        EscrowScenario funded = EscrowScenario.funded("100.00", "25.50");
        Api.as(funded.buyer()).get("/api/escrows/" + funded.id()).then()
                .statusCode(200).body("status", equalTo("FUNDED")).body("version", equalTo(5))
                .body("amount.amount", equalTo("125.50"));
    }
}
