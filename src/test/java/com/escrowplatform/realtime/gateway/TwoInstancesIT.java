package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.testsupport.RoomFrames.connectSubscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsAfterCreation;
import static com.escrowplatform.realtime.testsupport.RoomFrames.ids;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Two instances of the packaged application on one Kafka cluster and one database (DESIGN: instances are
 * stateless, every one consumes every partition, any one resumes any client). Instance A is the one
 * {@code @QuarkusIntegrationTest} launches; instance B is a second process started here. The SIGTERM test
 * ends B, so it runs after the others of B.
 */
@QuarkusIntegrationTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    /** quarkus.shutdown.timeout in application.properties: the grace period an orchestrator gives. */
    static final Duration GRACE = Duration.ofSeconds(25);

    static ApplicationProcess b;
    URI a;

    @BeforeAll
    static void startInstanceB() {
        // the production delay: readiness DOWN and new sockets refused for 3 s after SIGTERM, before the drain
        b = ApplicationProcess.start("instance-b", Duration.ofMinutes(3), Map.of("quarkus.shutdown.delay", "3s"));
    }

    @AfterAll
    static void stopInstanceB() {
        if (b != null) {
            b.close();
        }
    }

    @BeforeEach
    void instanceA() {
        a = URI.create("http://localhost:" + RestAssured.port);
    }

    // A subscriber on each instance gets every event of the room, in version order and with the same ids, whichever instance took the REST call.
    @Test
    @Order(1)
    void shouldDeliverEveryEventOfARoomToSubscribersOnBothInstances() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        try (WsClient onA = connectSubscribed(a, escrow.buyer(), room, null);
                WsClient onB = connectSubscribed(b.uri(), escrow.seller(), room, null)) {
            onB(as(escrow.seller())).post(escrow.path("/join")).then().statusCode(200);
            as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            onB(as(escrow.buyer())).post(escrow.path("/fund")).then().statusCode(200);
            as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            onB(as(escrow.buyer())).post(escrow.path("/milestones/" + escrow.milestoneIds().get(1) + "/release")).then()
                    .statusCode(200);

            // v2 joined, v3 joined, v4 ACTIVE, v5 FUNDED, v6 released, v7 released, v8 COMPLETED
            List<JsonNode> log = escrow.eventLog(1);
            assertThat(log).extracting(e -> e.path("version").asLong()).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L);
            List<JsonNode> seenOnA = eventsAfterCreation(onA, room, log.size());
            List<JsonNode> seenOnB = eventsAfterCreation(onB, room, log.size());
            for (List<JsonNode> seen : List.of(seenOnA, seenOnB)) {
                assertThat(seen).extracting(frame -> frame.path("type").asText())
                        .containsExactlyElementsOf(log.stream().map(e -> e.path("type").asText()).toList());
                assertThat(seen).extracting(frame -> frame.path("data"))
                        .containsExactlyElementsOf(log.stream().map(e -> e.path("data")).toList());
            }
            assertThat(seenOnB).extracting(frame -> frame.path("id").asText())
                    .containsExactlyElementsOf(seenOnA.stream().map(frame -> frame.path("id").asText()).toList());
            assertThat(onA.pending()).noneMatch(frame -> room.equals(frame.path("room").asText())
                    && frame.path("data").path("version").asLong() > 1);
            assertThat(onB.pending()).noneMatch(frame -> room.equals(frame.path("room").asText())
                    && frame.path("data").path("version").asLong() > 1);
        }
    }

    // A client that read some events on A and comes back on B with its lastEventId gets exactly what it missed, in order, then live events.
    @Test
    @Order(2)
    void shouldResumeOnTheOtherInstanceWithExactlyTheMissedEventsThenLiveOnes() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        try (WsClient witnessOnB = connectSubscribed(b.uri(), escrow.seller(), room, null)) {
            String lastSeen;
            try (WsClient firstVisit = connectSubscribed(a, escrow.buyer(), room, null)) {
                as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
                onB(as(escrow.arbiter())).post(escrow.path("/join")).then().statusCode(200);
                List<JsonNode> read = eventsAfterCreation(firstVisit, room, 3);
                assertThat(versions(read)).containsExactly(2L, 3L, 4L);
                lastSeen = read.get(2).path("id").asText();
            }
            onB(as(escrow.buyer())).post(escrow.path("/fund")).then().statusCode(200);
            as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            // B has consumed up to v6 once its own subscriber saw it: all that was missed is then B's to replay
            List<JsonNode> witnessed = eventsAfterCreation(witnessOnB, room, 5);
            assertThat(versions(witnessed)).containsExactly(2L, 3L, 4L, 5L, 6L);

            try (WsClient back = WsClient.connect(b.uri(), TestTokens.forUser(escrow.buyer()))) {
                assertThat(back.next(WAIT).path("type").asText()).isEqualTo("welcome");
                back.send(WsClient.subscribe(room, lastSeen, "back"));
                JsonNode subscribed = back.nextMatching(frame -> "back".equals(frame.path("ref").asText()), WAIT);
                assertThat(subscribed.path("type").asText()).isEqualTo("subscribed");
                assertThat(subscribed.path("recovered").asBoolean()).isTrue();
                assertThat(subscribed.path("replayed").asInt()).isEqualTo(2);
                List<JsonNode> missed = eventsAfterCreation(back, room, 2);
                assertThat(versions(missed)).containsExactly(5L, 6L);
                assertThat(ids(missed)).containsExactlyElementsOf(ids(witnessed.subList(3, 5)));

                as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(1) + "/release")).then()
                        .statusCode(200);
                // the frames that follow the replay: exactly the live ones, no repeat of a replayed event between
                assertThat(versions(eventsAfterCreation(back, room, 2))).containsExactly(7L, 8L);
                assertThat(back.pending()).noneMatch(frame -> room.equals(frame.path("room").asText()));
            }
        }
    }

    // The outbox relay's advisory lock makes exactly one instance the leader, and it stays that way.
    @Test
    @Order(3)
    void shouldLetExactlyOneInstanceLeadTheOutboxRelay() {
        Awaitility.await("exactly one outbox leader").atMost(WAIT).until(this::leaders, leaders -> leaders == 1);
        Awaitility.await("still exactly one outbox leader").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(this::leaders, leaders -> leaders == 1);
    }

    // SIGTERM to B: readiness goes DOWN, new sockets are refused, the open socket closes with 1001, B exits within the grace period, and resuming on A recovers what was committed meanwhile.
    @Test
    @Order(4)
    void shouldCloseSocketsWith1001AndExitInTimeOnSigtermLosingNoCommittedEvent() {
        EscrowScenario escrow = EscrowScenario.pending("10.00", "20.00");
        String room = "escrow:" + escrow.id();
        WsClient onB = connectSubscribed(b.uri(), escrow.buyer(), room, null);
        List<JsonNode> seen = new ArrayList<>();
        try {
            as(escrow.seller()).post(escrow.path("/join")).then().statusCode(200);
            seen.addAll(eventsAfterCreation(onB, room, 1));

            long signalled = System.nanoTime();
            b.terminate();
            Awaitility.await("B reports not ready while it shuts down").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> b.get("/q/health/ready"), answer -> answer.statusCode() == 503
                            && answer.body().contains("DOWN"));
            assertThat(WsClient.upgradeStatus(b.uri(),
                    builder -> builder.header("Authorization", "Bearer " + TestTokens.forUser(escrow.buyer()))))
                    .as("a new socket on an instance going away").isEqualTo(503);
            // committed while B shuts down: B's client must not lose these
            as(escrow.arbiter()).post(escrow.path("/join")).then().statusCode(200);
            as(escrow.buyer()).post(escrow.path("/fund")).then().statusCode(200);

            WsClient.Closed closed = onB.closed().orTimeout(GRACE.toSeconds(), TimeUnit.SECONDS).join();
            assertThat(closed.code()).as("close code from the instance going away").isEqualTo(1001);
            assertThat(b.awaitExit(GRACE.minusNanos(System.nanoTime() - signalled))).as("B exited within " + GRACE).isTrue();
            // what reached the client before the close frame counts as seen
            onB.pending().stream().filter(frame -> room.equals(frame.path("room").asText())).forEach(seen::add);
        } finally {
            onB.close();
        }

        List<JsonNode> log = escrow.eventLog(1);
        assertThat(versions(log)).containsExactly(2L, 3L, 4L, 5L);
        long lastVersion = seen.get(seen.size() - 1).path("data").path("version").asLong();
        String lastSeen = seen.get(seen.size() - 1).path("id").asText();
        try (WsClient back = WsClient.connect(a, TestTokens.forUser(escrow.buyer()))) {
            assertThat(back.next(WAIT).path("type").asText()).isEqualTo("welcome");
            back.send(WsClient.subscribe(room, lastSeen, "back"));
            JsonNode subscribed = back.nextMatching(frame -> "back".equals(frame.path("ref").asText()), WAIT);
            assertThat(subscribed.path("type").asText()).isEqualTo("subscribed");
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();

            as(escrow.buyer()).post(escrow.path("/milestones/" + escrow.milestoneIds().get(0) + "/release")).then()
                    .statusCode(200);
            List<Long> expected = new ArrayList<>();
            for (long v = lastVersion + 1; v <= 6; v++) {
                expected.add(v);
            }
            assertThat(versions(eventsAfterCreation(back, room, expected.size()))).containsExactlyElementsOf(expected);
        }
    }

    /**
     * An instance started again right after a crash stops as promptly as any other. Its dead-letter consumer is
     * then still joining the group, which waits for the crashed member until its session times out (45 s); an
     * unbounded close of that consumer held the shutdown for 10 s.
     */
    @Test
    @Order(5)
    void shouldStopWithinSecondsWhenStartedAgainRightAfterACrash() {
        try (ApplicationProcess crashed = ApplicationProcess.start("instance-c", Duration.ofMinutes(3))) {
            crashed.crash();
        }
        try (ApplicationProcess again = ApplicationProcess.start("instance-c-again", Duration.ofMinutes(3))) {
            again.terminate();
            assertThat(again.awaitExit(Duration.ofSeconds(6))).as("exited within 6 s of SIGTERM").isTrue();
        }
    }

    /** The same REST call, sent to instance B. */
    private static RequestSpecification onB(RequestSpecification request) {
        return request.port(b.port());
    }

    /** How many instances report {@code escrow_outbox_leader 1}; fails when one does not report it at all. */
    private int leaders() {
        return leaderGauge(given().get("/q/metrics").then().statusCode(200).extract().asString())
                + leaderGauge(b.get("/q/metrics").body());
    }

    private static int leaderGauge(String prometheus) {
        return (int) Metrics.metricIn(prometheus, "escrow_outbox_leader")
                .orElseThrow(() -> new AssertionError("no escrow_outbox_leader gauge in the metrics"));
    }
}
