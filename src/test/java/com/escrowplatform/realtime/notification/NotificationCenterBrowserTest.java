package com.escrowplatform.realtime.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.NodeTool;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The notification-center page in headless Chromium (Debian's), driven by Playwright: one user watches the
 * page while another acts over REST; the event is pushed to the page over the socket it opened at sign-in (no
 * reload, no reconnect), and after a network drop the page reconnects by itself and shows what happened
 * meanwhile, delivered over the new socket. Before sign-in only the sign-in form shows. Saves
 * target/notification-center.png.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NotificationCenterBrowserTest {
    @TestHTTPResource("/")
    URI base;

    private Process browser;

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.descendants().forEach(ProcessHandle::destroyForcibly);
            browser.destroyForcibly();
        }
    }

    @Test
    void shouldPushAnotherUsersChangeOverTheOpenSocketAndCatchUpAfterANetworkDrop() throws Exception {
        String watcher = Api.uniqueUser("page-buyer");
        String actor = Api.uniqueUser("page-seller");
        String escrowId = Api.createEscrow(watcher, actor, null, "40.00", "60.00").then().statusCode(201)
                .extract().path("id");
        List<String> milestones = Api.as(watcher).get("/api/escrows/" + escrowId).path("milestones.id");

        Path scripts = NodeTool.install("browser");
        Path chromium = NodeTool.chromium();
        Path screenshot = Path.of("target", "notification-center.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        ProcessBuilder command = new ProcessBuilder("node", "notification-center.mjs",
                "http://127.0.0.1:" + base.getPort(), watcher, screenshot.toString())
                .directory(scripts.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(Path.of("target", "browser-test.log").toFile()));
        command.environment().put("CHROMIUM", chromium.toString());
        browser = command.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter in = new PrintWriter(browser.getOutputStream(), true, StandardCharsets.UTF_8);

        JsonNode ready = read(out);
        assertThat(ready.path("ready").asBoolean()).isTrue();
        assertThat(ready.path("panelsBeforeSignIn").asBoolean()).as("escrow panels visible before sign-in").isFalse();

        int signInSocket = ready.path("socket").asInt();
        assertThat(signInSocket).as("the socket the page went online through").isPositive();

        Api.as(actor).post("/api/escrows/" + escrowId + "/join").then().statusCode(200);
        in.println("expect escrow:party_joined " + escrowId);
        JsonNode seen = read(out);
        assertThat(seen.path("seen").asText()).isEqualTo("escrow:party_joined");
        assertThat(seen.path("overSocket").asInt()).as("pushed over the socket open since sign-in, before it showed")
                .isEqualTo(signInSocket);

        in.println("drop");
        assertThat(read(out).path("dropped").asBoolean()).isTrue();
        // while the page is offline: funded and a milestone released (by the watcher on another device)
        Api.as(watcher).post("/api/escrows/" + escrowId + "/fund").then().statusCode(200);
        Api.as(watcher).post("/api/escrows/" + escrowId + "/milestones/" + milestones.get(0) + "/release").then()
                .statusCode(200);
        in.println("restore");
        assertThat(read(out).path("restored").asBoolean()).isTrue();
        in.println("expect escrow:milestone_released " + escrowId);
        JsonNode caughtUp = read(out);
        assertThat(caughtUp.path("seen").asText()).isEqualTo("escrow:milestone_released");
        assertThat(caughtUp.path("overSocket").asInt()).as("delivered over the socket opened after the drop")
                .isGreaterThan(signInSocket);

        in.println("screenshot");
        assertThat(read(out).path("screenshot").asText()).isEqualTo(screenshot.toString());
        assertThat(Files.size(screenshot)).isGreaterThan(1000);
        in.println("quit");
        assertThat(browser.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** The next JSON line from the page driver, within 60 s; a page error fails the test. */
    private static JsonNode read(BufferedReader out) throws Exception {
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(line).as("the page driver ended early; see target/browser-test.log").isNotNull();
        JsonNode message = Json.parse(line);
        assertThat(message.has("pageError")).as(line).isFalse();
        return message;
    }
}
