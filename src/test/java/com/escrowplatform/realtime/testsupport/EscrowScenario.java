package com.escrowplatform.realtime.testsupport;

import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;

import java.util.List;
import java.util.Map;

import io.restassured.response.Response;

/**
 * An escrow between fresh users (buyer, seller, arbiter), driven over REST into the status a test needs.
 * Every step asserts its own status code, so a broken setup fails where it breaks, not later.
 * Milestones are 100.00 and 50.00 USD unless given.
 */
public record EscrowScenario(String buyer, String seller, String arbiter, String id, List<String> milestoneIds,
        String disputeId) {

    public static final List<String> STATUSES = List.of("PENDING", "ACTIVE", "FUNDED", "DISPUTED", "COMPLETED",
            "REFUNDED", "CANCELLED");

    public static EscrowScenario pending(String... amounts) {
        String buyer = uniqueUser("buyer");
        String seller = uniqueUser("seller");
        String arbiter = uniqueUser("arbiter");
        Response created = Api.createEscrow(buyer, seller, arbiter, amounts.length == 0 ? new String[] { "100.00", "50.00" } : amounts);
        created.then().statusCode(201);
        return new EscrowScenario(buyer, seller, arbiter, created.path("id"), created.path("milestones.id"), null);
    }

    public static EscrowScenario active(String... amounts) {
        EscrowScenario escrow = pending(amounts);
        as(escrow.seller).post(escrow.path("/join")).then().statusCode(200);
        as(escrow.arbiter).post(escrow.path("/join")).then().statusCode(200);
        return escrow;
    }

    public static EscrowScenario funded(String... amounts) {
        EscrowScenario escrow = active(amounts);
        as(escrow.buyer).post(escrow.path("/fund")).then().statusCode(200);
        return escrow;
    }

    public static EscrowScenario disputed(String... amounts) {
        EscrowScenario escrow = funded(amounts);
        String disputeId = as(escrow.buyer).body(Map.of("reason", "The work was not delivered"))
                .post(escrow.path("/disputes")).then().statusCode(201).extract().path("disputes[0].id");
        return escrow.withDispute(disputeId);
    }

    /** Completed by releasing every milestone. */
    public static EscrowScenario completed() {
        EscrowScenario escrow = funded();
        for (String milestone : escrow.milestoneIds) {
            as(escrow.buyer).post(escrow.path("/milestones/" + milestone + "/release")).then().statusCode(200);
        }
        return escrow;
    }

    public static EscrowScenario refunded() {
        EscrowScenario escrow = disputed();
        as(escrow.arbiter).body(Map.of("resolution", "REFUND")).post(escrow.path("/disputes/" + escrow.disputeId + "/resolve"))
                .then().statusCode(200);
        return escrow;
    }

    public static EscrowScenario cancelled() {
        EscrowScenario escrow = pending();
        as(escrow.buyer).post(escrow.path("/cancel")).then().statusCode(200);
        return escrow;
    }

    /** An escrow in {@code status}, one of {@link #STATUSES}. */
    public static EscrowScenario in(String status) {
        return switch (status) {
            case "PENDING" -> pending();
            case "ACTIVE" -> active();
            case "FUNDED" -> funded();
            case "DISPUTED" -> disputed();
            case "COMPLETED" -> completed();
            case "REFUNDED" -> refunded();
            case "CANCELLED" -> cancelled();
            default -> throw new IllegalArgumentException(status);
        };
    }

    public EscrowScenario withDispute(String id) {
        return new EscrowScenario(buyer, seller, arbiter, this.id, milestoneIds, id);
    }

    /** {@code /api/escrows/<id>} followed by {@code suffix}. */
    public String path(String suffix) {
        return "/api/escrows/" + id + suffix;
    }

    /** The escrow as the buyer reads it now. */
    public Response read() {
        Response response = as(buyer).get(path(""));
        response.then().statusCode(200);
        return response;
    }

    public int version() {
        return read().path("version");
    }

    public String status() {
        return read().path("status");
    }

    /** Every event of the escrow, in version order, as the buyer reads them. */
    public Response events() {
        Response response = as(buyer).queryParam("limit", 1000).get(path("/events"));
        response.then().statusCode(200);
        return response;
    }

    /** The escrow's event log after {@code afterVersion}, in version order, as JSON entries. */
    public java.util.List<com.fasterxml.jackson.databind.JsonNode> eventLog(long afterVersion) {
        com.fasterxml.jackson.databind.JsonNode log = Json.parse(as(buyer).queryParam("afterVersion", afterVersion)
                .queryParam("limit", 1000).get(path("/events")).then().statusCode(200).extract().asString());
        java.util.List<com.fasterxml.jackson.databind.JsonNode> entries = new java.util.ArrayList<>();
        log.forEach(entries::add);
        return entries;
    }
}
