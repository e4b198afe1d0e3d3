package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.escrow.EscrowCreationApiTest.assertInvalid;
import static com.escrowplatform.realtime.testsupport.Api.as;
import static com.escrowplatform.realtime.testsupport.Api.uniqueUser;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code GET /api/escrows}: only the caller's escrows, in any role, newest first, paged. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EscrowListingApiTest {

    @Test
    void shouldListOnlyTheCallersEscrowsNewestFirstInPages() {
        String me = uniqueUser("me");
        String other = uniqueUser("other");
        List<String> mine = new ArrayList<>();
        mine.add(create(me, uniqueUser("seller"), null));
        mine.add(create(other, me, null)); // invited as seller
        mine.add(create(me, uniqueUser("seller"), null));
        mine.add(create(other, uniqueUser("seller"), me)); // invited as arbiter
        mine.add(create(me, uniqueUser("seller"), null));
        create(other, uniqueUser("seller"), null); // not mine
        List<String> newestFirst = new ArrayList<>(mine);
        java.util.Collections.reverse(newestFirst);

        as(me).queryParam("page", 0).queryParam("size", 2).get("/api/escrows").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(2)).body("total", equalTo(5))
                .body("items.id", contains(newestFirst.get(0), newestFirst.get(1)))
                .body("items[0].parties.size()", equalTo(2))
                .body("items[0].amount.amount", equalTo("10.00"));
        as(me).queryParam("page", 1).queryParam("size", 2).get("/api/escrows").then().statusCode(200)
                .body("page", equalTo(1)).body("total", equalTo(5))
                .body("items.id", contains(newestFirst.get(2), newestFirst.get(3)));
        as(me).queryParam("page", 2).queryParam("size", 2).get("/api/escrows").then().statusCode(200)
                .body("items.id", contains(newestFirst.get(4)));
        as(me).queryParam("page", 3).queryParam("size", 2).get("/api/escrows").then().statusCode(200)
                .body("items", empty()).body("total", equalTo(5));
    }

    @Test
    void shouldUseDefaultPagingWithoutParameters() {
        String me = uniqueUser("me");
        String id = create(me, uniqueUser("seller"), null);
        as(me).get("/api/escrows").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(20)).body("total", equalTo(1))
                .body("items.id", contains(id))
                .body("items[0].status", equalTo("PENDING"));
    }

    @Test
    void shouldListNothingForANewUser() {
        as(uniqueUser("new")).get("/api/escrows").then().statusCode(200)
                .body("items", empty()).body("total", equalTo(0));
    }

    @ParameterizedTest(name = "page={0} size={1}")
    @CsvSource({ "-1, 10, page", "0, 0, size", "0, 101, size", "abc, 10, page", "0, ten, size" })
    void shouldAnswer400ForBadPagingParameters(String page, String size, String field) {
        assertInvalid(as(uniqueUser("me")).queryParam("page", page).queryParam("size", size).get("/api/escrows"), field);
    }

    private static String create(String buyer, String seller, String arbiter) {
        return Api.createEscrow(buyer, seller, arbiter, "10.00").then().statusCode(201).extract().path("id");
    }
}
