package com.escrowplatform.realtime.fuzz;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.fuzz.WebSocketAbuse.Dialect;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.LogCapture;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Hostile input at volume: a seeded fuzzer sends {@code fuzz.inputs} (default 100,000) malformed
 * inputs over both WebSocket protocols, Engine.IO long-polling, REST and Kafka at once, while a legitimate
 * subscriber of the same instance follows a steady stream of real events. Every input must get an answer that
 * docs/errors.md, docs/socketio.md or CONTRACT 4 documents for its kind; the server stays up, its heap does not
 * grow past a bound, poison records land in the DLQ with their reason, and the legitimate subscriber gets every
 * event once and in order. A failure names the seed: {@code -Dfuzz.seed=<seed>} replays the same inputs.
 *
 * <p>In the test's own JVM rather than the packaged application's: the heap measured then includes the fuzzer's,
 * which is small and let go before the second sample, and the run stays short (one start of the application,
 * the shared broker). The bound is loose enough for that.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class HostileInputTest {
    private static final Logger LOG = Logger.getLogger(HostileInputTest.class);

    static final int INPUTS = Integer.getInteger("fuzz.inputs", 100_000);
    static final long SEED = Long.getLong("fuzz.seed", 42);
    /** The fuzzing phase ends after this even if inputs remain (about 50 s are needed); the count assertion then fails. */
    static final Duration FUZZ_BUDGET = Duration.ofSeconds(Integer.getInteger("fuzz.seconds", 120));
    static final Duration LEGIT_INTERVAL = Duration.ofMillis(20);
    static final int BASELINE_EVENTS = 250;
    /** Used heap after GC may grow this much over the run: the replay window holds the stream's events, nothing else may stay. */
    static final long HEAP_GROWTH_BOUND_BYTES = 64L * 1024 * 1024;
    /** Generous: two shared cores, the fuzzer on them too. */
    static final double FUZZED_P99_BOUND_MS = 2_000;

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldAnswerEveryHostileInputAsDocumentedAndKeepServingTheLegitimateClient() throws Exception {
        LOG.infof("hostile input: seed %d (-Dfuzz.seed=%d replays it), %d inputs", SEED, SEED, INPUTS);
        long started = System.nanoTime();
        Tally tally = new Tally();
        String runId = "fuzz-" + SEED + "-" + Long.toHexString(System.nanoTime());
        EscrowScenario legitEscrow = EscrowScenario.pending();
        double sessionsBefore = metric("escrow_gateway_sockets").orElse(0);
        double engineSessionsBefore = metric("escrow_socketio_sessions").orElse(0);

        try (KafkaProducer<String, byte[]> producer = producer();
                LegitStream legit = new LegitStream(base, producer, legitEscrow.id(), legitEscrow.buyer());
                LogCapture log = LogCapture.start()) {
            // baseline: the legitimate stream alone
            ScheduledFuture<?> baseline = legit.produceEvery(LEGIT_INTERVAL, BASELINE_EVENTS);
            awaitReceived(legit, BASELINE_EVENTS, Duration.ofSeconds(30));
            baseline.cancel(false);
            long heapBefore = usedHeapAfterGc();

            // the fuzzer, with the stream going on
            ScheduledFuture<?> duringFuzz = legit.produceEvery(LEGIT_INTERVAL, FUZZ_BUDGET.toMillis() / LEGIT_INTERVAL.toMillis() + 1);
            long fuzzStarted = System.nanoTime();
            PoisonRecords poison = new PoisonRecords(runId);
            runLanes(tally, legitEscrow, producer, poison, runId);
            long fuzzNanos = System.nanoTime() - fuzzStarted;
            duringFuzz.cancel(false);
            long sent = legit.sent();
            awaitReceived(legit, (int) sent, Duration.ofSeconds(30));
            poison.verifyDeadLettered(tally, Duration.ofSeconds(60));

            List<LegitStream.Received> received = legit.received();
            double baselineP99 = legit.p99Millis(0, BASELINE_EVENTS);
            double fuzzedP99 = legit.p99Millis(BASELINE_EVENTS, received.size());
            LOG.infof("hostile input: seed %d, %d inputs in %.1f s of fuzzing%n%s%n"
                    + "legitimate subscriber: %d events without the fuzzer p99 %.1f ms; %d events during it p99 %.1f ms",
                    SEED, tally.inputs(), fuzzNanos / 1e9, tally.table(), BASELINE_EVENTS, baselineP99,
                    received.size() - BASELINE_EVENTS, fuzzedP99);
            assertThat(tally.sample()).as("inputs with an undocumented answer (seed %d), of %d", SEED, tally.offences()).isEmpty();

            // every socket and Engine.IO session the fuzzer opened is gone again: nothing of it stays on the server
            Awaitility.await("the fuzzer's sockets and sessions ended on the server").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        assertThat(metric("escrow_gateway_sockets").orElseThrow()).isLessThanOrEqualTo(sessionsBefore + 1);
                        assertThat(metric("escrow_socketio_sessions").orElseThrow()).isLessThanOrEqualTo(engineSessionsBefore);
                    });
            long heapAfter = usedHeapAfterGc();
            LOG.infof("hostile input: heap used after GC %.1f MiB before, %.1f MiB after (growth %.1f MiB, bound %d MiB); "
                    + "%.1f s in all", heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1048576.0,
                    HEAP_GROWTH_BOUND_BYTES / 1048576, (System.nanoTime() - started) / 1e9);

            assertThat(tally.inputs()).as("inputs sent within %s (seed %d)", FUZZ_BUDGET, SEED).isGreaterThanOrEqualTo(INPUTS);
            assertThat(legit.sendFailures()).isEmpty();
            assertThat(legit.subscriberClosed()).as("the legitimate subscriber's socket stayed open").isFalse();
            assertThat(legit.poisonDelivered()).as("poison records delivered to the room").isEmpty();
            assertThat(received.stream().map(LegitStream.Received::version).toList()).as("every event once, in order")
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(LegitStream.FIRST_VERSION,
                            LegitStream.FIRST_VERSION + sent).boxed().toList());
            assertThat(received.stream().map(LegitStream.Received::id).distinct().count()).isEqualTo(sent);
            assertThat(fuzzedP99).as("legitimate p99 during the fuzzing, ms").isLessThan(FUZZED_P99_BOUND_MS);
            assertThat(heapAfter - heapBefore).as("heap growth after GC, bytes").isLessThan(HEAP_GROWTH_BOUND_BYTES);
            assertThat(log.errors()).as("errors logged").isEmpty();
            // the dead-letter router's WARN about malformed records is meant for the operator; a 1011 or a 500 would log another
            assertThat(log.warningsOrWorse()).as("warnings of the service")
                    .filteredOn(line -> line.contains("com.escrowplatform") && !line.contains("malformed record")).isEmpty();
        }
    }

    /** Runs every lane at once, each on its own seeded random and its share of the inputs, within the budget. */
    private void runLanes(Tally tally, EscrowScenario legitEscrow, KafkaProducer<String, byte[]> producer,
            PoisonRecords poison, String runId) throws Exception {
        long deadline = System.nanoTime() + FUZZ_BUDGET.toNanos();
        int kafka = Math.max(17, INPUTS / 500);
        int rest = INPUTS * 2 / 100;
        int polling = INPUTS * 3 / 100;
        int closingNative = INPUTS * 6 / 1000;
        int closingSocketIo = INPUTS * 9 / 1000;
        int openSocketIo = INPUTS * 30 / 100;
        int openNative = INPUTS - kafka - rest - polling - closingNative - closingSocketIo - openSocketIo;
        AtomicInteger lane = new AtomicInteger();
        ExecutorService lanes = Executors.newFixedThreadPool(7, runnable -> new Thread(runnable, "fuzz-lane-" + lane.incrementAndGet()));
        try {
            List<Future<?>> running = new ArrayList<>();
            running.add(lanes.submit(timed("native open", () -> new WebSocketAbuse(base, tally, legitEscrow.id(), runId + "-wsopen")
                    .runOpenLane(Dialect.NATIVE, new Random(SEED + 1), openNative, deadline))));
            running.add(lanes.submit(timed("socket.io open", () -> new WebSocketAbuse(base, tally, legitEscrow.id(), runId + "-sioopen")
                    .runOpenLane(Dialect.SOCKET_IO, new Random(SEED + 2), openSocketIo, deadline))));
            running.add(lanes.submit(timed("native closing", () -> new WebSocketAbuse(base, tally, legitEscrow.id(), runId + "-wsclose")
                    .runClosingLane(Dialect.NATIVE, new Random(SEED + 3), closingNative, deadline))));
            running.add(lanes.submit(timed("socket.io closing", () -> new WebSocketAbuse(base, tally, legitEscrow.id(), runId + "-sioclose")
                    .runClosingLane(Dialect.SOCKET_IO, new Random(SEED + 4), closingSocketIo, deadline))));
            running.add(lanes.submit(timed("rest", () -> new HttpAbuse(base, tally, runId + "-rest")
                    .runRestLane(new Random(SEED + 5), rest, deadline))));
            running.add(lanes.submit(timed("polling", () -> new HttpAbuse(base, tally, runId + "-poll")
                    .runPollingLane(new Random(SEED + 6), polling, deadline))));
            running.add(lanes.submit(timed("kafka", () -> poison.produce(producer, new Random(SEED + 7), kafka,
                    legitEscrow.id(), tally, deadline))));
            for (Future<?> future : running) {
                future.get(FUZZ_BUDGET.toSeconds() + 60, TimeUnit.SECONDS); // a lane's failure fails the test here
            }
        } finally {
            lanes.shutdownNow();
            assertThat(lanes.awaitTermination(30, TimeUnit.SECONDS)).as("every lane ended").isTrue();
        }
    }

    /** The lane, logging how long it ran: the slowest lane sets the length of the run. */
    private static Runnable timed(String lane, Runnable work) {
        return () -> {
            long start = System.nanoTime();
            work.run();
            LOG.infof("hostile input: lane %s done in %.1f s", lane, (System.nanoTime() - start) / 1e9);
        };
    }

    private static void awaitReceived(LegitStream legit, int count, Duration wait) {
        Awaitility.await("the legitimate subscriber received " + count + " events").atMost(wait)
                .pollInterval(Duration.ofMillis(50)).until(() -> legit.received().size() >= count);
    }

    private static long usedHeapAfterGc() {
        // two rounds: the first may only move objects to the old generation, with finalizers in between
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, "other-service-fuzz",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                // larger than the broker takes, so that a 5 MB value reaches the broker and is refused there
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024),
                new StringSerializer(), new ByteArraySerializer());
    }
}
