package com.escrowplatform.realtime.testsupport;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** REST calls as a given user, for tests. */
public final class Api {
    private Api() {
    }

    public static RequestSpecification as(String userId, String... roles) {
        return given().auth().oauth2(TestTokens.forUser(userId, roles)).contentType(ContentType.JSON);
    }

    public static String uniqueUser(String role) {
        return role + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates an escrow by {@code buyer} and returns the response (201 expected). */
    public static Response createEscrow(String buyer, String seller, String arbiter, String... milestoneAmounts) {
        return as(buyer).body(escrowBody(seller, arbiter, milestoneAmounts)).post("/api/escrows");
    }

    public static Map<String, Object> escrowBody(String seller, String arbiter, String... milestoneAmounts) {
        List<Map<String, Object>> milestones = new java.util.ArrayList<>();
        for (int i = 0; i < milestoneAmounts.length; i++) {
            milestones.add(Map.of("title", "Milestone " + (i + 1),
                    "amount", Map.of("amount", milestoneAmounts[i], "currency", "USD")));
        }
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("title", "Website redesign");
        body.put("description", "Two pages and a logo");
        body.put("sellerId", seller);
        if (arbiter != null) {
            body.put("arbiterId", arbiter);
        }
        body.put("milestones", milestones);
        return body;
    }
}
