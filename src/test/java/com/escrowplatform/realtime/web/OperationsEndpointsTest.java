package com.escrowplatform.realtime.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The operator endpoints of CONTRACT 8 that REST clients and probes rely on: OpenAPI and health; and what a
 * browser finds at the root: the index of the endpoints, and the favicon.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OperationsEndpointsTest {

    @Test
    void shouldListEveryRestCallInTheOpenApiDocument() {
        Response document = given().queryParam("format", "json").get("/q/openapi");
        document.then().statusCode(200);
        Map<String, Map<String, Object>> paths = document.path("paths");

        assertThat(paths).containsKeys("/api/escrows", "/api/escrows/{id}", "/api/escrows/{id}/join",
                "/api/escrows/{id}/fund", "/api/escrows/{id}/milestones/{milestoneId}/release",
                "/api/escrows/{id}/disputes", "/api/escrows/{id}/disputes/{disputeId}/resolve",
                "/api/escrows/{id}/cancel", "/api/escrows/{id}/events", "/api/notifications",
                "/api/notifications/{id}/read");
        assertThat(paths.get("/api/escrows")).containsKeys("get", "post");
        assertThat(paths.get("/api/escrows/{id}")).containsKey("get");
        assertThat(paths.get("/api/escrows/{id}/join")).containsKey("post");
        assertThat(paths.get("/api/notifications")).containsKey("get");
        assertThat(paths.get("/api/notifications/{id}/read")).containsKey("post");
        // every call names the bearer scheme, and the document defines it
        document.then().body("paths.'/api/escrows'.post.security[0].jwt", org.hamcrest.Matchers.notNullValue())
                .body("components.securitySchemes.jwt.type", equalTo("http"))
                .body("components.securitySchemes.jwt.scheme", equalTo("bearer"));
    }

    @Test
    void shouldDocumentTheQueryParametersOfTheLists() {
        Response document = given().queryParam("format", "json").get("/q/openapi");
        List<String> listParameters = document.path("paths.'/api/escrows'.get.parameters.name");
        List<String> logParameters = document.path("paths.'/api/escrows/{id}/events'.get.parameters.name");
        assertThat(listParameters).contains("page", "size");
        assertThat(logParameters).contains("afterVersion", "limit");
    }

    /** CONTRACT 2: every POST takes an Idempotency-Key; a create answers 201 with the new resource's Location. */
    @Test
    void shouldDocumentTheIdempotencyKeyOnEveryPostAndTheLocationOfEveryCreate() {
        Response document = given().queryParam("format", "json").get("/q/openapi");
        Map<String, Map<String, Map<String, Object>>> paths = document.path("paths");
        List<String> posts = new java.util.ArrayList<>();
        paths.forEach((path, operations) -> {
            if (operations.containsKey("post") && path.startsWith("/api/")) {
                posts.add(path);
            }
        });
        assertThat(posts).hasSize(8);
        for (String path : posts) {
            String operation = "paths.'" + path + "'.post";
            List<String> parameters = document.path(operation + ".parameters.collect { it.'$ref' ?: it.name }");
            assertThat(parameters).as(path).containsAnyOf("#/components/parameters/IdempotencyKey", "Idempotency-Key");
            Map<String, Object> created = document.path(operation + ".responses.'201'");
            if (created != null) {
                assertThat(document.<Boolean>path(operation + ".responses.'201'.headers.Location.required"))
                        .as(path).isTrue();
            }
        }
        assertThat(document.<Object>path("paths.'/api/escrows'.post.responses.'201'")).isNotNull();
        assertThat(document.<Object>path("paths.'/api/escrows/{id}/disputes'.post.responses.'201'")).isNotNull();
        document.then().body("components.parameters.IdempotencyKey.in", equalTo("header"))
                .body("components.parameters.IdempotencyKey.name", equalTo("Idempotency-Key"));
    }

    /**
     * Every metric of the service says what it measures (a HELP text) and has a type; a running total is a counter
     * (its samples carry {@code _total}), never a gauge; and docs/metrics.md has a row for each with the same type
     * and every tag the scrape shows, and no row for a metric the service does not export.
     */
    @Test
    void shouldDescribeEveryServiceMetricInTheScrapeAndInTheMetricsTable() throws IOException {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, String> help = new TreeMap<>();
        Map<String, String> types = new TreeMap<>();
        Map<String, Set<String>> samples = new TreeMap<>();
        Pattern labelName = Pattern.compile("[{,]([a-z_]+)=\"");
        scrape.lines().forEach(line -> {
            String[] parts = line.split(" ", 4);
            if (parts.length >= 3 && parts[0].equals("#") && parts[2].startsWith("escrow_")) {
                (parts[1].equals("HELP") ? help : types).put(parts[2], parts.length == 4 ? parts[3].strip() : "");
            } else if (line.startsWith("escrow_")) {
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                Set<String> labels = samples.computeIfAbsent(line.substring(0, end), n -> new TreeSet<>());
                Matcher label = labelName.matcher(line);
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        });

        // a counter's family is named without the _total its sample carries
        assertThat(types).containsEntry("escrow_outbox_published", "counter")
                .containsEntry("escrow_outbox_backlog", "gauge")
                .containsEntry("escrow_gateway_sockets", "gauge")
                .containsEntry("escrow_gateway_deliveries", "counter");
        assertThat(help.keySet()).isEqualTo(types.keySet());
        assertThat(help).allSatisfy((name, text) -> assertThat(text).as("HELP of %s", name).isNotBlank());
        samples.keySet().forEach(sample -> {
            if (sample.endsWith("_total")) {
                assertThat(types.get(sample.substring(0, sample.length() - "_total".length())))
                        .as("%s is a running total: its family must be a counter", sample).isEqualTo("counter");
            }
        });
        types.forEach((family, type) -> {
            if (type.equals("counter")) {
                assertThat(samples).as("the sample of counter %s", family).containsKey(family + "_total");
            }
        });

        // docs/metrics.md: | `sample name` | type | unit | tags | meaning |
        Map<String, String[]> rows = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
            String[] cells = line.split("\\|");
            if (cells.length >= 6 && cells[1].strip().matches("`escrow_[a-z_]+`")) {
                rows.put(cells[1].strip().replace("`", ""), cells);
            }
        }
        Map<String, String> documented = new TreeMap<>();
        types.forEach((family, type) -> {
            String name = type.equals("counter") ? family + "_total" : family;
            String[] row = rows.get(name);
            assertThat(row).as("docs/metrics.md has no row for %s", name).isNotNull();
            assertThat(row[2].strip()).as("the type of %s in docs/metrics.md", name).isEqualTo(type);
            assertThat(row[3]).as("the unit of %s in docs/metrics.md", name).isNotBlank();
            assertThat(row[5]).as("the meaning of %s in docs/metrics.md", name).isNotBlank();
            for (String sample : samples.keySet()) {
                if (sample.equals(name) || sample.equals(family + "_count") || sample.equals(family + "_sum")) {
                    for (String label : samples.get(sample)) {
                        assertThat(row[4]).as("the tags of %s in docs/metrics.md", name).contains("`" + label + "`");
                    }
                }
            }
            documented.put(name, type);
        });
        assertThat(rows.keySet()).as("rows of docs/metrics.md for metrics the service does not export")
                .isEqualTo(documented.keySet());
    }

    @Test
    void shouldReportLiveness() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void shouldReportReadinessWithTheDatabaseAndKafka() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("kafka"))
                .body("checks.find { it.name == 'kafka' }.status", equalTo("UP"))
                .body("checks.status", org.hamcrest.Matchers.everyItem(equalTo("UP"))));
        List<String> names = given().get("/q/health/ready").path("checks.name");
        assertThat(names).anySatisfy(name -> assertThat(name).containsIgnoringCase("postgres"));
    }

    /** A newcomer opening the service's address in a browser finds where everything is. */
    @Test
    void shouldIndexTheEndpointsAtTheRoot() {
        String index = given().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .extract().asString();

        assertThat(index).contains("/api", "/ws", "/socket.io/", "href=\"/q/health/live\"",
                "href=\"/q/health/ready\"", "href=\"/q/metrics\"", "href=\"/q/openapi\"",
                // on in the test profile
                "href=\"/notification-center/\"");
        given().head("/").then().statusCode(200);
    }

    /** The index answers the root only: everything else is served or refused as before. */
    @Test
    void shouldLeaveEveryOtherPathToItsOwner() {
        given().get("/no-such-page").then().statusCode(404).body("code", equalTo("not_found"));
        given().get("/api/escrows").then().statusCode(401).body("code", equalTo("unauthorized"));
        given().get("/notification-center/").then().statusCode(200).body(containsString("<html"));
        given().get("/q/health/live").then().statusCode(200);
    }

    /** Browsers ask every origin for /favicon.ico; a 404 there reads as a broken site. */
    @Test
    void shouldServeAFavicon() {
        byte[] icon = given().get("/favicon.ico").then().statusCode(200).extract().asByteArray();
        assertThat(icon).startsWith(0, 0, 1, 0); // an ICO header: reserved 0, type 1 (icon)
    }
}
