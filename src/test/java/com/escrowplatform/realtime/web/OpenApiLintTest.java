package com.escrowplatform.realtime.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.NodeTool;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document the service serves passes Redocly CLI's lint (the recommended rules, as configured in
 * src/test/openapi-lint/redocly.yaml) with no error and no warning. The linted copy is left in
 * target/openapi-lint/openapi.json.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class OpenApiLintTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldPassTheLintWithNoErrorAndNoWarning() throws IOException {
        String document = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString();

        JsonNode report = lint("openapi.json", document);

        assertThat(problems(report)).isEmpty();
        assertThat(report.path("totals").path("errors").asInt(-1)).isZero();
        assertThat(report.path("totals").path("warnings").asInt(-1)).isZero();
    }

    /** Guards the check itself: a document with a dangling reference is reported as an error. */
    @Test
    void shouldReportAnErrorInABrokenDocument() throws IOException {
        String broken = """
                {"openapi": "3.1.0", "info": {"title": "broken", "version": "1"}, "servers": [{"url": "/"}],
                 "security": [], "paths": {"/a": {"get": {"summary": "a", "operationId": "a",
                 "responses": {"200": {"$ref": "#/components/responses/Missing"}}}}}}
                """;

        JsonNode report = lint("broken.json", broken);

        assertThat(report.path("totals").path("errors").asInt()).isPositive();
        assertThat(problems(report)).anySatisfy(problem -> assertThat(problem).startsWith("no-unresolved-refs"));
    }

    /** Runs {@code redocly lint} on {@code document}, saved under {@code name}; returns its JSON report. */
    private static JsonNode lint(String name, String document) throws IOException {
        Path tools = NodeTool.install("openapi-lint");
        Files.writeString(tools.resolve(name), document);
        Path report = tools.resolve(name + ".lint.json");
        Path log = tools.resolve(name + ".lint.log");
        List<String> command = new ArrayList<>(List.of(tools.resolve("node_modules/.bin/redocly").toString(), "lint",
                name, "--config", "redocly.yaml", "--format", "json"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tools.toFile())
                .redirectOutput(report.toFile()).redirectError(log.toFile());
        // no usage report and no check for a newer version: the lint runs offline
        builder.environment().put("REDOCLY_TELEMETRY", "off");
        builder.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        Process process = builder.start();
        try {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("redocly lint did not finish within 2 minutes; see " + log);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        String output = Files.readString(report);
        if (output.isBlank()) {
            throw new AssertionError("redocly lint printed no report (exit " + process.exitValue() + "): "
                    + Files.readString(log));
        }
        return JSON.readTree(output);
    }

    /** Each problem as "rule severity pointer: message", to read in a failure. */
    private static List<String> problems(JsonNode report) {
        List<String> problems = new ArrayList<>();
        for (JsonNode problem : report.path("problems")) {
            problems.add(problem.path("ruleId").asText() + " " + problem.path("severity").asText() + " "
                    + problem.path("location").path(0).path("pointer").asText() + ": " + problem.path("message").asText());
        }
        return problems;
    }
}
