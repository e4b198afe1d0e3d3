package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The edge policies an operator configures: allowed Origins, the query-string token, connections per user, dead peers.
 * Public for its profile, which the auth matrices of both protocols share (one application for all three).
 */
@QuarkusTest
@TestProfile(GatewayEdgePolicyTest.StrictEdge.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
public class GatewayEdgePolicyTest {

    public static class StrictEdge implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "escrow.gateway.allowed-origins", "https://app.escrow.example",
                    "escrow.gateway.query-token-enabled", "true",
                    "escrow.gateway.max-connections-per-user", "2",
                    "escrow.gateway.dead-peer-timeout", "2s",
                    "escrow.gateway.ping-interval", "1s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldRefuseAnUpgradeFromAnOriginNotAllowed() {
        String token = TestTokens.forUser("origin-user");
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + token)
                .header("Origin", "https://evil.example"))).isEqualTo(403);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + token)
                .header("Origin", "https://app.escrow.example"))).isEqualTo(101);
        assertThat(WsClient.upgradeStatus(base, b -> b.header("Authorization", "Bearer " + token))).isEqualTo(101);
    }

    @Test
    void shouldAcceptTheTokenInTheQueryStringWhenEnabled() {
        try (WsClient client = WsClient.connect(base, "/ws?access_token=" + TestTokens.forUser("query-user"), b -> b)) {
            assertThat(client.next(Duration.ofSeconds(10)).path("userId").asText()).isEqualTo("query-user");
        }
        assertThat(WsClient.upgradeStatus(base, b -> b)).isEqualTo(401);
    }

    @Test
    void shouldCloseAConnectionBeyondTheUsersLimitWith1008() {
        String token = TestTokens.forUser("busy-user");
        try (WsClient first = WsClient.connect(base, token); WsClient second = WsClient.connect(base, token);
                WsClient third = WsClient.connect(base, token)) {
            assertThat(first.next(Duration.ofSeconds(10)).path("type").asText()).isEqualTo("welcome");
            assertThat(second.next(Duration.ofSeconds(10)).path("type").asText()).isEqualTo("welcome");
            assertThat(third.closed().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join().code()).isEqualTo(1008);
        }
        // the slots come back when sockets close
        try (WsClient again = WsClient.connect(base, token)) {
            assertThat(again.next(Duration.ofSeconds(10)).path("type").asText()).isEqualTo("welcome");
        }
    }

    /**
     * A peer that completes the handshake and then never answers (a raw socket ignoring pings) is closed for that
     * reason, after the server pinged it: not at once, and not for anything else.
     */
    @Test
    void shouldCloseADeadPeerThatAnswersNoPings() throws Exception {
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(60_000);
            String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
            OutputStream out = raw.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer " + TestTokens.forUser("silent-user") + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = raw.getInputStream();
            Close close = readUntilClose(in);
            assertThat(close.code()).isEqualTo(1001);
            assertThat(close.reason()).isEqualTo("no answer to pings");
            assertThat(close.pingsBefore()).as("pings left unanswered before the close").isPositive();
        }
    }

    /**
     * A dead peer's session is freed when the server gives up on it, not when the close handshake times out (Vert.x
     * waits 10 s for the answer a dead peer never sends): here the peer reads the close frame and stays silent,
     * holding one of its user's two connection slots until then.
     */
    @Test
    void shouldFreeADeadPeersConnectionSlotWhenItClosesIt() throws Exception {
        String user = "dead-slot-user";
        try (Socket silent = new Socket(base.getHost(), base.getPort());
                WsClient live = WsClient.connect(base, TestTokens.forUser(user))) {
            assertThat(live.next(Duration.ofSeconds(10)).path("type").asText()).isEqualTo("welcome");
            silent.setSoTimeout(60_000);
            String key = Base64.getEncoder().encodeToString("fedcba9876543210".getBytes(StandardCharsets.US_ASCII));
            silent.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer " + TestTokens.forUser(user) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClose(silent.getInputStream()).code()).isEqualTo(1001);
            long closed = System.nanoTime();

            // the silent socket is still open (no close frame back, no FIN): only the server's release frees the slot
            Awaitility.await("a third connection of the user welcomed").atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        try (WsClient again = WsClient.connect(base, TestTokens.forUser(user))) {
                            return "welcome".equals(again.next(Duration.ofSeconds(2)).path("type").asText());
                        } catch (RuntimeException | AssertionError refused) {
                            return false;
                        }
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - closed)).isLessThan(Duration.ofSeconds(3));
        }
    }

    /** A close frame's code and reason, and how many pings came before it. */
    private record Close(int code, String reason, int pingsBefore) {
    }

    /** Reads the 101 response and frames (welcome, pings) until a close frame. */
    private static Close readUntilClose(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        int pings = 0;
        while (true) {
            int first = in.read();
            int second = in.read();
            if (first < 0 || second < 0) {
                return new Close(-1, "connection ended without a close frame", pings);
            }
            long length = second & 0x7f;
            if (length == 126) {
                length = (in.read() << 8) | in.read();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | in.read();
                }
            }
            byte[] payload = in.readNBytes((int) length);
            int opcode = first & 0x0f;
            if (opcode == 0x9) {
                pings++;
            } else if (opcode == 0x8) {
                return payload.length >= 2
                        ? new Close(((payload[0] & 0xff) << 8) | (payload[1] & 0xff),
                                new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8), pings)
                        : new Close(1005, "", pings);
            }
        }
    }
}
