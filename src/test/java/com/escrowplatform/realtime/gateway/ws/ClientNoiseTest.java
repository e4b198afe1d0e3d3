package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.LogCapture;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What clients do, normal or hostile, is counted and kept out of the operator's log: bad-token upgrades, clients
 * that vanish without a close frame, oversized frames. None of it writes a WARN, an ERROR or a stack trace.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class ClientNoiseTest {
    static final int BAD_UPGRADES = 50;
    static final int VANISHING = 40;
    static final String REFUSED = "escrow_gateway_upgrades_refused_total{status=\"401\"";
    static final String ABRUPT_NATIVE = "escrow_gateway_disconnects_abrupt_total{protocol=\"native\"";
    static final String ABRUPT_SOCKETIO = "escrow_gateway_disconnects_abrupt_total{protocol=\"socketio\"";
    static final String TOO_BIG = "escrow_gateway_protocol_closes_total{code=\"1009\",protocol=\"native\"";

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldCountClientMisbehaviourAndLogNoWarningForIt() {
        double refusedBefore = metric(REFUSED).orElse(0);
        double abruptNativeBefore = metric(ABRUPT_NATIVE).orElse(0);
        double abruptSocketIoBefore = metric(ABRUPT_SOCKETIO).orElse(0);
        double tooBigBefore = metric(TOO_BIG).orElse(0);
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < BAD_UPGRADES; i++) {
                Map<String, String> headers = i % 2 == 0 ? Map.of("Authorization", "Bearer " + TestTokens.expired("noisy"))
                        : Map.of();
                assertThat(RawWebSocket.upgrade(base, "/ws", headers).status()).isEqualTo(401);
            }
            List<RawWebSocket> vanishing = new ArrayList<>();
            for (int i = 0; i < VANISHING; i++) {
                if (i % 2 == 0) {
                    RawWebSocket socket = RawWebSocket.open(base, "/ws",
                            Map.of("Authorization", "Bearer " + TestTokens.forUser("vanishing-" + i)));
                    assertThat(Json.parse(socket.nextText()).path("type").asText()).isEqualTo("welcome");
                    vanishing.add(socket);
                } else {
                    vanishing.add(SocketIoFrames.connect(base, "vanishing-" + i).socket());
                }
            }
            vanishing.forEach(RawWebSocket::drop);
            try (RawWebSocket socket = RawWebSocket.open(base, "/ws",
                    Map.of("Authorization", "Bearer " + TestTokens.forUser("oversized")))) {
                socket.nextText();
                socket.sendText(WireFramingTest.subscribeOfSize(100_000));
                assertThat(socket.awaitClose().code()).isEqualTo(1009);
            }

            await("every refusal and disconnect counted").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        assertThat(metric(REFUSED).orElseThrow() - refusedBefore).isEqualTo(BAD_UPGRADES);
                        assertThat(metric(ABRUPT_NATIVE).orElseThrow() - abruptNativeBefore)
                                .isGreaterThanOrEqualTo(VANISHING / 2);
                        assertThat(metric(ABRUPT_SOCKETIO).orElseThrow() - abruptSocketIoBefore)
                                .isGreaterThanOrEqualTo(VANISHING / 2);
                        assertThat(metric(TOO_BIG).orElseThrow() - tooBigBefore).isEqualTo(1);
                    });
            assertThat(log.warningsOrWorse()).isEmpty();
        }
    }
}
