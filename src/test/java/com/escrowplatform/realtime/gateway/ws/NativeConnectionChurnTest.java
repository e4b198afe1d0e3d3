package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAccumulator;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Connection churn leaves nothing behind in the hub: sessions, rooms and subscriptions all return to zero. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeConnectionChurnTest {
    private static final Logger LOG = Logger.getLogger(NativeConnectionChurnTest.class);
    static final int CYCLES = 10_000;
    static final int IN_FLIGHT = 48;
    /** Distinct support users; each holds at most a few of the in-flight sockets (limit 20 per user). */
    static final int USERS = 256;
    static final String SESSIONS = "escrow_gateway_sockets";
    static final String ROOMS = "escrow_gateway_rooms";
    static final String SUBSCRIPTIONS = "escrow_gateway_subscriptions";

    @TestHTTPResource("/")
    URI base;

    // Guards against leaks in the hub's indexes: 10,000 connect/subscribe/disconnect cycles end at zero.
    @Test
    void shouldReturnSessionRoomAndSubscriptionCountsToZeroAfter10000ConnectSubscribeDisconnectCycles()
            throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(1));
        String room = room(escrow);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            tokens.add(TestTokens.support(Api.uniqueUser("churn" + i)));
        }
        awaitHubEmpty(); // what earlier tests opened is gone, so zero at the end is ours

        AtomicInteger next = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        DoubleAccumulator maxSessions = new DoubleAccumulator(Math::max, 0);
        DoubleAccumulator maxRooms = new DoubleAccumulator(Math::max, 0);
        DoubleAccumulator maxSubscriptions = new DoubleAccumulator(Math::max, 0);
        ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT);
        long started = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < IN_FLIGHT; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < CYCLES; i = next.getAndIncrement()) {
                        String token = tokens.get(i % USERS);
                        try (WsClient client = WsClient.connectAsync(base, "/ws",
                                b -> b.header("Authorization", "Bearer " + token)).get(30, TimeUnit.SECONDS)) {
                            awaitWelcome(client);
                            subscribed(client, room, null);
                            if (i % 500 == 250) {
                                // sampled while this socket is open and subscribed: the gauges must show it
                                maxSessions.accumulate(metric(SESSIONS).orElseThrow());
                                maxRooms.accumulate(metric(ROOMS).orElseThrow());
                                maxSubscriptions.accumulate(metric(SUBSCRIPTIONS).orElseThrow());
                            }
                        }
                        completed.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        LOG.infof("%d connect/subscribe/disconnect cycles, %d in flight: %d ms (%.0f cycles/s)", CYCLES, IN_FLIGHT,
                elapsedMillis, CYCLES * 1000.0 / elapsedMillis);

        assertThat(completed.get()).isEqualTo(CYCLES);
        assertThat(maxSessions.get()).as("sessions seen during the run").isGreaterThan(0);
        assertThat(maxRooms.get()).as("rooms seen during the run").isGreaterThan(0);
        assertThat(maxSubscriptions.get()).as("subscriptions seen during the run").isGreaterThan(0);
        awaitHubEmpty();
    }

    private static void awaitHubEmpty() {
        await("hub sessions, rooms and subscriptions at zero").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(metric(SESSIONS).orElseThrow()).as(SESSIONS).isZero();
                    assertThat(metric(ROOMS).orElseThrow()).as(ROOMS).isZero();
                    assertThat(metric(SUBSCRIPTIONS).orElseThrow()).as(SUBSCRIPTIONS).isZero();
                });
    }
}
