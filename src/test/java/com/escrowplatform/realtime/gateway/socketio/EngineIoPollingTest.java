package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Engine.IO v4 long-polling and its upgrade to WebSocket, written by hand (docs/socketio.md): the cases of the
 * public Engine.IO protocol test suite that apply here, with our adaptation (the token in CONNECT, no echo).
 */
@QuarkusTest
@TestProfile(EngineIoPollingTest.ShortConnectTimeout.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class EngineIoPollingTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final long CONNECT_TIMEOUT_MS = 3000;

    public static class ShortConnectTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("escrow.socketio.connect-timeout", CONNECT_TIMEOUT_MS + "ms",
                    "escrow.socketio.polling-enabled", "true");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    SocketIoServer server;

    // A close packet POSTed while a poll waits ends that poll with a noop (as the reference server does), then the session is gone.
    @Test
    void shouldEndTheWaitingPollWithANoopWhenTheClientCloses() {
        RawPollingClient session = RawPollingClient.handshake(base);
        CompletableFuture<HttpResponse<String>> waiting = session.poll();
        awaitWaitingPoll(session.sid);

        HttpResponse<String> close = session.post("1");
        assertThat(close.statusCode()).isEqualTo(200);
        assertThat(close.body()).isEqualTo("ok");
        HttpResponse<String> ended = waiting.join();
        assertThat(ended.statusCode()).isEqualTo(200);
        assertThat(ended.body()).isEqualTo("6");
        assertThat(session.poll().join().statusCode()).as("a poll after the close").isEqualTo(400);
    }

    // A POST with a packet that breaks the protocol is answered 400 and ends the session; a well-formed one is answered "ok".
    @Test
    void shouldAnswer400ToAPostWithAnInvalidPacketAndEndTheSession() {
        RawPollingClient healthy = RawPollingClient.handshake(base);
        assertThat(healthy.post("3", "6").body()).isEqualTo("ok");

        for (String invalid : List.of("abc", "bAQIDBA==", "4{}", "")) {
            RawPollingClient session = RawPollingClient.handshake(base);
            HttpResponse<String> post = session.post(invalid);
            assertThat(post.statusCode()).as("POST %s", invalid).isEqualTo(400);
            assertThat(session.poll().join().statusCode()).as("poll after %s", invalid).isEqualTo(400);
        }
    }

    // A second poll while one waits: the waiting one gets the close packet, the second and any later poll 400.
    @Test
    void shouldCloseTheSessionUponAnOverlappingPoll() {
        RawPollingClient session = RawPollingClient.handshake(base);
        CompletableFuture<HttpResponse<String>> waiting = session.poll();
        awaitWaitingPoll(session.sid);
        assertThat(session.poll().join().statusCode()).isEqualTo(400);
        assertThat(waiting.join().body()).isEqualTo("1");
        assertThat(session.poll().join().statusCode()).isEqualTo(400);
    }

    // 2probe and 5 sent back to back, then at once a poll: the poll is 400 whatever the server handles first, and the upgraded WebSocket carries the session.
    @Test
    void shouldRefuseAPollSentAfterTheUpgradeWhateverArrivesFirst() {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            RawPollingClient session = RawPollingClient.handshake(base);
            try (RawEngineIoClient socket = RawEngineIoClient.upgrade(base, session.sid)) {
                socket.send("2probe").send("5");
                HttpResponse<String> poll = session.poll().join();
                answers.add(poll.statusCode() + " " + poll.body());
                assertThat(socket.next(WAIT)).isEqualTo("3probe");
                socket.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser("upgraded-user")));
                assertThat(socket.nextMatching(f -> f.startsWith("4"), WAIT)).startsWith("40{");
                assertThat(socket.isClosed()).isFalse();
            }
        }
        assertThat(answers).as("polls after the upgrade").allMatch(answer -> answer.startsWith("400 "));
    }

    // The upgrade as the official client does it: a poll waiting since before the probe is ended with a noop after 3probe; after 5 the WebSocket carries everything.
    @Test
    void shouldEndTheWaitingPollWithANoopDuringTheUpgradeAndThenUseTheWebSocket() {
        RawPollingClient session = RawPollingClient.handshake(base);
        CompletableFuture<HttpResponse<String>> waiting = session.poll();
        awaitWaitingPoll(session.sid);
        try (RawEngineIoClient socket = RawEngineIoClient.upgrade(base, session.sid)) {
            socket.send("2probe");
            assertThat(socket.next(WAIT)).isEqualTo("3probe");
            HttpResponse<String> ended = waiting.join();
            assertThat(ended.statusCode()).isEqualTo(200);
            assertThat(ended.body()).isEqualTo("6");
            socket.send("5");
            socket.send("40" + Json.MAPPER.createObjectNode().put("token", TestTokens.forUser("probe-user")));
            assertThat(socket.nextMatching(f -> f.startsWith("4"), WAIT)).startsWith("40{");

            assertThat(session.poll().join().statusCode()).as("a poll after the upgrade").isEqualTo(400);
            // a second WebSocket for the same sid is refused, and the first one goes on
            try (RawEngineIoClient second = RawEngineIoClient.upgrade(base, session.sid)) {
                assertThat(second.awaitClose(WAIT).code()).isEqualTo(1008);
            }
            socket.send("427[\"subscribe\",{\"room\":\"user:probe-user\"}]");
            assertThat(socket.nextMatching(f -> f.startsWith("437["), WAIT)).contains("\"ok\":true");
        }
    }

    // Over long-polling too, a session that never CONNECTs is closed after connect-timeout: its waiting poll gets the close packet.
    @Test
    void shouldCloseAPollingSessionThatDoesNotConnectWithinTheConnectTimeout() {
        long opened = System.nanoTime();
        RawPollingClient session = RawPollingClient.handshake(base);
        HttpResponse<String> poll = session.poll().join();
        assertThat(poll.body()).isEqualTo("1");
        assertThat(Duration.ofNanos(System.nanoTime() - opened).toMillis()).isGreaterThanOrEqualTo(CONNECT_TIMEOUT_MS);
        assertThat(session.poll().join().statusCode()).isEqualTo(400);
    }

    // Found by HostileInputTest: the body handler answered 413 before the session saw the POST, which went on living.
    @Test
    void shouldEndTheSessionWhenAPostIsOverMaxPayload() {
        RawPollingClient session = RawPollingClient.handshake(base);
        HttpResponse<String> oversized = session.post("4" + "2".repeat(65_536));
        assertThat(oversized.statusCode()).isEqualTo(413);
        Awaitility.await("the session ended").atMost(WAIT).until(() -> server.findEngineSocket(session.sid) == null);
        HttpResponse<String> after = session.post("6");
        assertThat(after.statusCode()).as("a POST after the 413").isEqualTo(400);
        assertThat(Json.parse(after.body()).path("code").asInt()).as("Session ID unknown").isEqualTo(1);
    }

    private void awaitWaitingPoll(String sid) {
        Awaitility.await("a poll parked on " + sid).atMost(WAIT)
                .until(() -> server.findEngineSocket(sid) != null && server.findEngineSocket(sid).pollWaiting());
    }
}
