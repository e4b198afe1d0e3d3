package com.escrowplatform.realtime.gateway.socketio;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Engine.IO v4 / Socket.IO v5 packets written by hand (docs/socketio.md), with a one-second heartbeat and
 * long-polling switched off.
 */
@QuarkusTest
@TestProfile(SocketIoRawProtocolTest.ShortHeartbeatWebSocketOnly.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class SocketIoRawProtocolTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long PING_INTERVAL_MS = 1000;
    static final long PING_TIMEOUT_MS = 1000;
    static final long CONNECT_TIMEOUT_MS = 3000;
    static final int MAX_REFUSED_CONNECTS = 3;

    public static class ShortHeartbeatWebSocketOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "escrow.socketio.ping-interval", PING_INTERVAL_MS + "ms",
                    "escrow.socketio.ping-timeout", PING_TIMEOUT_MS + "ms",
                    "escrow.socketio.connect-timeout", CONNECT_TIMEOUT_MS + "ms",
                    "escrow.socketio.max-refused-connects", String.valueOf(MAX_REFUSED_CONNECTS),
                    "escrow.socketio.polling-enabled", "false");
        }
    }

    static final String CONNECT_TIMEOUTS = "escrow_socketio_connect_timeouts_total";
    static final String REFUSED_CONNECTS = "escrow_socketio_connects_refused_total";
    static final String REFUSED_CONNECT_CLOSES = "escrow_socketio_refused_connect_closes_total";
    static final String UNAUTHENTICATED = "escrow_socketio_sessions_unauthenticated";

    @TestHTTPResource("/")
    URI base;

    // The open packet is the first frame and carries exactly sid, upgrades (none on a WebSocket), the configured heartbeat and maxPayload.
    @Test
    void shouldOpenWithSidNoUpgradesTheConfiguredHeartbeatAndMaxPayload() {
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            String open = client.next(WAIT);
            assertThat(open).startsWith("0");
            JsonNode fields = Json.parse(open.substring(1));
            assertThat(fieldNames(fields)).containsExactlyInAnyOrder("sid", "upgrades", "pingInterval", "pingTimeout",
                    "maxPayload");
            assertThat(fields.path("sid").asText()).matches("[A-Za-z0-9_-]{16,}");
            assertThat(fields.path("upgrades").isArray()).isTrue();
            assertThat(fields.path("upgrades")).isEmpty();
            assertThat(fields.path("pingInterval").asLong()).isEqualTo(PING_INTERVAL_MS);
            assertThat(fields.path("pingTimeout").asLong()).isEqualTo(PING_TIMEOUT_MS);
            assertThat(fields.path("maxPayload").asInt()).isEqualTo(65536);

            try (RawEngineIoClient other = RawEngineIoClient.open(base, true)) {
                assertThat(Json.parse(other.next(WAIT).substring(1)).path("sid").asText())
                        .isNotEqualTo(fields.path("sid").asText());
            }
        }
    }

    // Each kind of malformed packet (bad JSON or JSON with trailing text, an unknown type, an event without a name, an empty message) closes the socket with 1002, as documented.
    @Test
    void shouldCloseWith1002OnAMalformedPacket() {
        List<String> malformed = List.of("42[\"subscribe\",{\"room\":", "49[\"x\"]",
                "42[]", "42{\"room\":\"user:x\"}", "42[1,2]", "4", "7", "41{\"not\":\"empty\"}",
                "42[\"subscribe\",{\"room\":\"user:x\"}]]", "42[\"subscribe\",{\"room\":\"user:x\"}] trailing");
        for (String packet : malformed) {
            try (RawEngineIoClient client = connected(base, "malformed-" + Math.abs(packet.hashCode()))) {
                client.send(packet);
                RawEngineIoClient.Closed closed = client.awaitClose(WAIT);
                assertThat(closed.code()).as("close code after %s", packet).isEqualTo(1002);
            }
        }
    }

    // A client that never answers the server's ping is closed pingInterval + pingTimeout after the open, not earlier.
    @Test
    void shouldCloseAClientThatDoesNotAnswerThePingAfterPingIntervalPlusPingTimeout() {
        try (RawEngineIoClient silent = RawEngineIoClient.open(base, false)) {
            assertThat(silent.next(WAIT)).startsWith("0");
            assertThat(silent.next(WAIT)).as("the server's ping").isEqualTo("2");
            RawEngineIoClient.Closed closed = silent.awaitClose(WAIT);
            long elapsed = Duration.between(silent.openedAt, closed.at()).toMillis();
            assertThat(elapsed).isGreaterThanOrEqualTo(PING_INTERVAL_MS + PING_TIMEOUT_MS);
            assertThat(closed.code()).as("close code of a ping timeout").isEqualTo(1001);
            assertThat(closed.reason()).as("closed by the heartbeat, not the later connect timeout")
                    .isEqualTo("ping timeout");
            assertThat(silent.seen()).containsExactly(silent.seen().get(0), "2");
        }
    }

    // A client that answers every ping stays open across several heartbeats.
    @Test
    void shouldKeepAClientThatAnswersThePingsOpen() {
        try (RawEngineIoClient alive = connected(base, "heartbeat-user")) {
            for (int i = 0; i < 4; i++) {
                alive.nextMatching("2"::equals, WAIT);
            }
            // four pings answered: 4 s, twice pingInterval + pingTimeout, and still open and served
            assertThat(alive.isClosed()).isFalse();
            alive.send("427[\"subscribe\",{\"room\":\"user:heartbeat-user\"}]");
            assertThat(alive.nextMatching(f -> f.startsWith("437["), WAIT)).contains("\"ok\":true");
        }
    }

    // When the token's exp passes, the socket is closed with 1008 at once: not before, and not a ping interval later.
    @Test
    void shouldCloseTheSocketWith1008WhenTheTokenExpires() {
        connected(base, "expiring-user").close(); // a cold first verification may outlast the token below
        String token = TestTokens.expiringIn("expiring-user", Duration.ofSeconds(2));
        Instant exp = TestTokens.expiresAt(token);
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            client.next(WAIT);
            client.send("40" + Json.MAPPER.createObjectNode().put("token", token));
            assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).startsWith("40{");
            RawEngineIoClient.Closed closed = client.awaitClose(WAIT);
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).isEqualTo("authentication expired");
            assertThat(closed.at()).as("closed, the token expiring at %s", exp)
                    .isAfterOrEqualTo(exp).isBefore(exp.plusSeconds(1));
        }
    }

    // A CONNECT to another namespace gets CONNECT_ERROR "Invalid namespace" for that namespace; the session stays usable for the main one.
    @Test
    void shouldRefuseAConnectToAnotherNamespaceWithInvalidNamespace() {
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            client.next(WAIT);
            String token = TestTokens.forUser("namespace-user");
            client.send("40/admin," + Json.MAPPER.createObjectNode().put("token", token));
            String refused = client.nextMatching(f -> f.startsWith("4"), WAIT);
            assertThat(refused).startsWith("44/admin,");
            assertThat(Json.parse(refused.substring("44/admin,".length())))
                    .isEqualTo(Json.parse("{\"message\":\"Invalid namespace\"}"));

            client.send("40" + Json.MAPPER.createObjectNode().put("token", token));
            String connected = client.nextMatching(f -> f.startsWith("4"), WAIT);
            assertThat(connected).startsWith("40{");
            assertThat(Json.parse(connected.substring(2)).path("sid").asText()).isNotBlank();
            assertThat(client.isClosed()).isFalse();
        }
    }

    // With long-polling switched off, a polling handshake gets 400 {"code":3} asking for the WebSocket transport; a wrong EIO gets 400 {"code":5}.
    @Test
    void shouldAnswerPollingWith400WhenPollingIsDisabled() throws IOException, InterruptedException {
        HttpResponse<String> polling = get("/socket.io/?EIO=4&transport=polling");
        assertThat(polling.statusCode()).isEqualTo(400);
        JsonNode body = Json.parse(polling.body());
        assertThat(body.path("code").asInt()).isEqualTo(3);
        assertThat(body.path("message").asText()).contains("transports: [\"websocket\"]");

        HttpResponse<String> oldProtocol = get("/socket.io/?EIO=3&transport=polling");
        assertThat(oldProtocol.statusCode()).isEqualTo(400);
        assertThat(Json.parse(oldProtocol.body()).path("code").asInt()).isEqualTo(5);

        // the WebSocket transport is still served
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            assertThat(client.next(WAIT)).startsWith("0{");
        }
    }

    // We speak no binary: a binary WebSocket frame, an Engine.IO binary packet or a Socket.IO binary event closes the socket with 1003, before and after CONNECT.
    @Test
    void shouldCloseWith1003OnABinaryFrameOrPacket() {
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            client.next(WAIT);
            client.sendBinary(new byte[] { 4, 1, 2, 3 });
            assertThat(client.awaitClose(WAIT).code()).as("binary frame before CONNECT").isEqualTo(1003);
        }
        try (RawEngineIoClient client = connected(base, "binary-user")) {
            client.sendBinary(new byte[] { 1, 2, 3 });
            assertThat(client.awaitClose(WAIT).code()).as("binary frame after CONNECT").isEqualTo(1003);
        }
        for (String packet : List.of("bAQIDBA==", "451-[\"subscribe\",{\"_placeholder\":true,\"num\":0}]", "461-1[{\"_placeholder\":true,\"num\":0}]")) {
            try (RawEngineIoClient client = connected(base, "binary-packet-user")) {
                client.send(packet);
                assertThat(client.awaitClose(WAIT).code()).as("close code after %s", packet).isEqualTo(1003);
            }
        }
    }

    // A session that answers every ping but never CONNECTs is counted as unauthenticated while open and closed with 1008 after connect-timeout, not before.
    @Test
    void shouldCloseASessionThatDoesNotConnectWithinTheConnectTimeout() {
        double timeoutsBefore = metric(CONNECT_TIMEOUTS).orElse(0);
        try (RawEngineIoClient idle = RawEngineIoClient.open(base, true)) {
            assertThat(idle.next(WAIT)).startsWith("0{");
            assertThat(metric(UNAUTHENTICATED).orElseThrow()).as("open sessions without CONNECT").isGreaterThanOrEqualTo(1);
            RawEngineIoClient.Closed closed = idle.awaitClose(Duration.ofMillis(CONNECT_TIMEOUT_MS).plus(WAIT));
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).isEqualTo("connect timeout");
            assertThat(Duration.between(idle.openedAt, closed.at()).toMillis()).isGreaterThanOrEqualTo(CONNECT_TIMEOUT_MS);
            // open past pingInterval + pingTimeout: the heartbeat alone would have kept it open
            assertThat(CONNECT_TIMEOUT_MS).isGreaterThan(PING_INTERVAL_MS + PING_TIMEOUT_MS);
        }
        assertThat(metric(CONNECT_TIMEOUTS).orElseThrow()).isGreaterThanOrEqualTo(timeoutsBefore + 1);

        // a session that CONNECTs in time outlives the timeout
        try (RawEngineIoClient client = connected(base, "in-time-user")) {
            Awaitility.await().atMost(WAIT).until(
                    () -> Duration.between(client.openedAt, Instant.now()).toMillis() > CONNECT_TIMEOUT_MS + 1000);
            client.send("427[\"subscribe\",{\"room\":\"user:in-time-user\"}]");
            assertThat(client.nextMatching(f -> f.startsWith("437["), WAIT)).contains("\"ok\":true");
            assertThat(client.isClosed()).isFalse();
        }
    }

    // Each refused CONNECT is answered CONNECT_ERROR; the max-refused-connects-th one also closes the session with 1008, and both are counted.
    @Test
    void shouldCloseTheSessionAfterMaxRefusedConnects() {
        double refusedBefore = metric(REFUSED_CONNECTS).orElse(0);
        double closesBefore = metric(REFUSED_CONNECT_CLOSES).orElse(0);
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            client.next(WAIT);
            for (int i = 1; i <= MAX_REFUSED_CONNECTS; i++) {
                client.send(i % 2 == 0 ? "40{}" : "40" + Json.MAPPER.createObjectNode().put("token", TestTokens.expired("refused")));
                assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).as("refusal %d", i)
                        .isEqualTo("44{\"message\":\"unauthorized\"}");
            }
            RawEngineIoClient.Closed closed = client.awaitClose(WAIT);
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).isEqualTo("too many refused CONNECTs");
        }
        assertThat(metric(REFUSED_CONNECTS).orElseThrow()).isGreaterThanOrEqualTo(refusedBefore + MAX_REFUSED_CONNECTS);
        assertThat(metric(REFUSED_CONNECT_CLOSES).orElseThrow()).isGreaterThanOrEqualTo(closesBefore + 1);

        // fewer refusals than the bound, then a valid token: connected
        try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
            client.next(WAIT);
            for (int i = 1; i < MAX_REFUSED_CONNECTS; i++) {
                client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.expired("refused")));
                assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).startsWith("44{");
            }
            client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser("refreshed-user")));
            assertThat(client.nextMatching(f -> f.startsWith("4"), WAIT)).startsWith("40{");
            assertThat(client.isClosed()).isFalse();
        }
    }

    // A CONNECT sent while the previous one is still being verified replaces it: one answer, for the newest; the session is not closed.
    @Test
    void shouldAnswerTheNewestConnectWhenOneArrivesWhileTheFirstIsVerified() {
        for (int i = 0; i < 5; i++) {
            try (RawEngineIoClient client = RawEngineIoClient.open(base, true)) {
                client.next(WAIT);
                client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.expired("stale")));
                client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser("fresh-user")));
                String reply = client.nextMatching(f -> f.startsWith("40{"), WAIT);
                assertThat(Json.parse(reply.substring(2)).path("sid").asText()).isNotBlank();
                client.send("427[\"subscribe\",{\"room\":\"user:fresh-user\"}]");
                assertThat(client.nextMatching(f -> f.startsWith("437["), WAIT)).contains("\"ok\":true");
                assertThat(client.isClosed()).as("closed: sent %s", client.seen()).isFalse();
            }
        }
    }

    /** An Engine.IO session with the main namespace connected as {@code user}. */
    private static RawEngineIoClient connected(URI base, String user) {
        RawEngineIoClient client = RawEngineIoClient.open(base, true);
        client.next(WAIT);
        client.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser(user)));
        String reply = client.nextMatching(f -> f.startsWith("4"), WAIT);
        assertThat(reply).as("CONNECT reply").startsWith("40{");
        return client;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
