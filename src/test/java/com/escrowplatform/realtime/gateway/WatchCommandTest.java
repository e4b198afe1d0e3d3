package com.escrowplatform.realtime.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The README's live-watch step: {@code bin/watch} shows a change made over REST as it happens. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class WatchCommandTest {
    @TestHTTPResource("/")
    URI base;

    private Process watch;

    @AfterEach
    void stopWatch() {
        if (watch != null) {
            watch.destroyForcibly();
        }
    }

    @Test
    void shouldPrintTheEventOfAFurtherChangeAsItHappens() throws Exception {
        String buyer = Api.uniqueUser("watch-buyer");
        String seller = Api.uniqueUser("watch-seller");
        String escrowId = Api.createEscrow(buyer, seller, null, "50.00").then().statusCode(201).extract().path("id");
        Api.as(seller).post("/api/escrows/" + escrowId + "/join").then().statusCode(200);

        ProcessBuilder command = new ProcessBuilder(Path.of("bin", "watch").toAbsolutePath().toString(),
                TestTokens.forUser(buyer), "escrow:" + escrowId).redirectErrorStream(true);
        command.environment().put("ESCROW_WS_URL", "ws://127.0.0.1:" + base.getPort() + "/ws");
        watch = command.start();
        List<String> printed = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                out.lines().forEach(printed::add);
            } catch (java.io.IOException ended) {
                // the process was stopped
            }
        }, "watch-output");
        reader.setDaemon(true);
        reader.start();

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> printed.stream()
                .anyMatch(line -> line.contains("\"type\":\"subscribed\"") && line.contains(escrowId)));
        assertThat(printed).anyMatch(line -> line.contains("\"type\":\"welcome\""));

        Api.as(buyer).post("/api/escrows/" + escrowId + "/fund").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(printed)
                .anyMatch(line -> line.contains("\"type\":\"escrow:status_changed\"") && line.matches(".*\"to\": ?\"FUNDED\".*")));
    }
}
