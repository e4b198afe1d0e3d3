package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The socket-failure counters of both protocols, read from {@code /q/metrics}: listed at 0 from the first scrape
 * of a fresh application (a profile of its own starts one for this class), and each protocol close counted under
 * its protocol.
 */
@QuarkusTest
@TestProfile(SocketFailureMetricsTest.FreshApplication.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SocketFailureMetricsTest {
    /** The test profile's settings, in an application of its own. */
    public static class FreshApplication implements QuarkusTestProfile {
    }

    static final String NATIVE_1002 = closes("native", 1002);
    static final String SOCKETIO_1002 = closes("socketio", 1002);
    static final String SOCKETIO_1003 = closes("socketio", 1003);

    @TestHTTPResource("/")
    URI base;

    @Test
    @Order(1)
    void shouldListEverySocketFailureCounterAtZeroBeforeTheFirstSocket() {
        String scrape = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        List<String> series = List.of(NATIVE_1002, closes("native", 1007), closes("native", 1009), SOCKETIO_1002,
                SOCKETIO_1003, closes("socketio", 1007), closes("socketio", 1009),
                "escrow_gateway_disconnects_abrupt_total{protocol=\"native\"}",
                "escrow_gateway_disconnects_abrupt_total{protocol=\"socketio\"}",
                "escrow_gateway_upgrades_refused_total{status=\"401\"}");
        for (String one : series) {
            assertThat(Metrics.metricIn(scrape, one)).as(one).hasValue(0);
        }
    }

    @Test
    @Order(2)
    void shouldCountAProtocolCloseOnEitherProtocolUnderThatProtocol() {
        Map<String, Double> before = counts();

        try (RawWebSocket socket = RawWebSocket.open(base, "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.forUser("malformed-frames")))) {
            socket.nextText();
            socket.sendFrame(0x3, true, new byte[0]); // a reserved opcode
            assertThat(socket.awaitClose().code()).isEqualTo(1002);
        }
        assertCounted(before, NATIVE_1002);

        try (RawWebSocket socket = SocketIoFrames.connect(base, "malformed-packets").socket()) {
            socket.sendText("42[1]"); // an event without a name
            assertThat(socket.awaitClose().code()).isEqualTo(1002);
        }
        assertCounted(before, NATIVE_1002, SOCKETIO_1002);

        try (RawWebSocket socket = SocketIoFrames.connect(base, "binary-frames").socket()) {
            socket.sendFrame(0x2, true, "binary".getBytes(StandardCharsets.UTF_8));
            assertThat(socket.awaitClose().code()).isEqualTo(1003);
        }
        assertCounted(before, NATIVE_1002, SOCKETIO_1002, SOCKETIO_1003);
    }

    private static String closes(String protocol, int code) {
        return "escrow_gateway_protocol_closes_total{code=\"" + code + "\",protocol=\"" + protocol + "\"}";
    }

    private static Map<String, Double> counts() {
        String scrape = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        return Map.of(NATIVE_1002, count(scrape, NATIVE_1002), SOCKETIO_1002, count(scrape, SOCKETIO_1002),
                SOCKETIO_1003, count(scrape, SOCKETIO_1003));
    }

    private static double count(String scrape, String series) {
        return Metrics.metricIn(scrape, series).orElseThrow(() -> new AssertionError(series + " is not listed"));
    }

    /** Each of {@code counted} is one above {@code before}; the other series are where they were. */
    private static void assertCounted(Map<String, Double> before, String... counted) {
        List<String> up = List.of(counted);
        await("the close counted under its protocol").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                    Map<String, Double> now = counts();
                    before.forEach((series, was) -> assertThat(now.get(series) - was).as(series)
                            .isEqualTo(up.contains(series) ? 1 : 0));
                });
    }
}
