package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.TestDatabase;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a REST change costs: the packaged application as its own process (own database and topics, the shared
 * broker), driven through an escrow's whole life by {@code bench.connections} callers in a closed loop: create,
 * the seller's and the arbiter's join, fund, then every milestone released (the last completes the escrow).
 * Each kind runs as its own phase over all escrows, after a warm-up of the same sequence, and prints commits per
 * second, latency percentiles and the application's CPU per commit (its process's user + system time over the
 * phase, from /proc). Every POST carries an {@code Idempotency-Key}, as the platform's clients send one.
 *
 * <pre>./mvnw -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RestThroughputIT \
 *   -Dbench.escrows=3000 -Dbench.warmup=3000 -Dbench.milestones=4 -Dbench.connections=16</pre>
 *
 * {@code -Dapplication.jvm-options=-agentpath:/path/libasyncProfiler.so=start,event=cpu,file=/tmp/rest.html}
 * profiles the application meanwhile. The default size is a seconds-long smoke run that keeps this tool from
 * rotting; it asserts only that every call succeeded.
 */
class RestThroughputIT {
    private static final int ESCROWS = Integer.getInteger("bench.escrows", 16);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 0);
    private static final int MILESTONES = Integer.getInteger("bench.milestones", 1);
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 16);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Linux's USER_HZ: /proc reports CPU time in these ticks. */
    private static final double TICKS_PER_SECOND = 100;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private URI base;

    /** One escrow as the bench drives it. */
    record Escrow(String id, String buyer, String seller, String arbiter, List<String> milestones) {
    }

    /** What one phase measured. */
    record Phase(String name, int calls, int failed, double seconds, double cpuSeconds, Percentiles latencyMs) {
        String line() {
            return String.format("%-9s %7d calls %4d failed  %7.0f commits/s  latency ms p50 %6.1f p99 %7.1f max %7.1f"
                    + "  application CPU %5.2f ms per commit", name, calls, failed, calls / seconds, latencyMs.at(50),
                    latencyMs.at(99), latencyMs.at(100), cpuSeconds * 1000 / calls);
        }
    }

    @Test
    void measureWhatEachKindOfChangeCosts() throws Exception {
        TestDatabase database = TestDatabase.create();
        String topics = "rest-bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (ApplicationProcess app = ApplicationProcess.startMeasured("rest-bench", Duration.ofMinutes(3), Map.of(
                "quarkus.datasource.reactive.url", database.reactiveUrl(),
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "escrow.topics.escrow-events", topics + ".escrow.events",
                "escrow.topics.user-notifications", topics + ".user.notifications"))) {
            base = app.uri();
            List<Phase> warmup = WARMUP > 0 ? lifecycle("warmup", WARMUP, app.pid()) : List.of();
            List<Phase> measured = lifecycle("bench", ESCROWS, app.pid());

            StringBuilder report = new StringBuilder(String.format("%nBENCH REST changes, %d escrows of %d milestones,"
                    + " %d connections, after a warm-up of %d escrows (%d calls); CPU = the application's process%n",
                    ESCROWS, MILESTONES, CONNECTIONS, WARMUP, warmup.stream().mapToInt(Phase::calls).sum()));
            measured.forEach(phase -> report.append(phase.line()).append('\n'));
            System.out.println(report);
            Files.writeString(Path.of("target", "rest-throughput.txt"), report.toString());

            assertThat(warmup).allSatisfy(phase -> assertThat(phase.failed()).as(phase.name()).isZero());
            assertThat(measured).allSatisfy(phase -> assertThat(phase.failed()).as(phase.name()).isZero());
        } finally {
            database.drop();
        }
    }

    /** Runs every kind of change over {@code count} fresh escrows, one phase per kind. */
    private List<Phase> lifecycle(String tag, int count, long pid) throws Exception {
        List<Escrow> planned = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String prefix = tag + "-" + UUID.randomUUID().toString().substring(0, 8);
            planned.add(new Escrow(null, prefix + "-buyer", prefix + "-seller", prefix + "-arbiter", List.of()));
        }
        planned.forEach(escrow -> List.of(escrow.buyer(), escrow.seller(), escrow.arbiter())
                .forEach(user -> tokens.computeIfAbsent(user, TestTokens::forUser)));

        List<Phase> phases = new ArrayList<>();
        ConcurrentLinkedQueue<Escrow> created = new ConcurrentLinkedQueue<>();
        phases.add(phase("create", planned, pid, escrow -> {
            JsonNode answer = post("/api/escrows", escrow.buyer(), createBody(escrow));
            if (answer == null) {
                return false;
            }
            List<String> milestones = new ArrayList<>();
            answer.path("milestones").forEach(milestone -> milestones.add(milestone.path("id").asText()));
            created.add(new Escrow(answer.path("id").asText(), escrow.buyer(), escrow.seller(), escrow.arbiter(), milestones));
            return true;
        }));
        List<Escrow> escrows = List.copyOf(created);
        phases.add(phase("join", joins(escrows), pid, join -> post(join.path(), join.user(), "") != null));
        phases.add(phase("fund", escrows, pid, escrow -> post("/api/escrows/" + escrow.id() + "/fund", escrow.buyer(), "") != null));
        List<Call> releases = new ArrayList<>();
        for (int milestone = 0; milestone < MILESTONES; milestone++) {
            for (Escrow escrow : escrows) {
                releases.add(new Call("/api/escrows/" + escrow.id() + "/milestones/" + escrow.milestones().get(milestone)
                        + "/release", escrow.buyer()));
            }
        }
        phases.add(phase("release", releases, pid, release -> post(release.path(), release.user(), "") != null));
        return phases;
    }

    /** A POST without a body-dependent answer: a path and the user who calls it. */
    record Call(String path, String user) {
    }

    private static List<Call> joins(List<Escrow> escrows) {
        List<Call> joins = new ArrayList<>();
        for (Escrow escrow : escrows) {
            joins.add(new Call("/api/escrows/" + escrow.id() + "/join", escrow.seller()));
        }
        for (Escrow escrow : escrows) {
            joins.add(new Call("/api/escrows/" + escrow.id() + "/join", escrow.arbiter()));
        }
        return joins;
    }

    private static String createBody(Escrow escrow) {
        StringBuilder milestones = new StringBuilder();
        for (int m = 0; m < MILESTONES; m++) {
            milestones.append(m == 0 ? "" : ",").append("{\"title\":\"part ").append(m)
                    .append("\",\"amount\":{\"amount\":\"10.00\",\"currency\":\"USD\"}}");
        }
        return "{\"title\":\"bench\",\"sellerId\":\"" + escrow.seller() + "\",\"arbiterId\":\"" + escrow.arbiter()
                + "\",\"milestones\":[" + milestones + "]}";
    }

    /** Sends every task through {@link #CONNECTIONS} callers in a closed loop; times each and the whole. */
    private <T> Phase phase(String name, List<T> tasks, long pid, Function<T, Boolean> call) throws Exception {
        ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>(tasks);
        double[] latencies = new double[tasks.size()];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(CONNECTIONS);
        long cpuBefore = cpuTicks(pid);
        long began = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                running.add(callers.submit(() -> {
                    for (T task = queue.poll(); task != null; task = queue.poll()) {
                        long sent = System.nanoTime();
                        boolean ok = call.apply(task);
                        latencies[done.getAndIncrement()] = (System.nanoTime() - sent) / 1e6;
                        if (!ok) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> caller : running) {
                caller.get(10, TimeUnit.MINUTES);
            }
        } finally {
            callers.shutdownNow();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        double cpuSeconds = (cpuTicks(pid) - cpuBefore) / TICKS_PER_SECOND;
        return new Phase(name, tasks.size(), failed.get(), seconds, cpuSeconds, new Percentiles(latencies));
    }

    /** POSTs {@code body} as {@code user} with a fresh Idempotency-Key; the answer's JSON, or null on a failure. */
    private JsonNode post(String path, String user, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + tokens.get(user))
                .header("Idempotency-Key", UUID.randomUUID().toString());
        if (body.isEmpty()) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                System.err.println("REST bench: " + path + " answered " + response.statusCode() + " " + response.body());
                return null;
            }
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            System.err.println("REST bench: " + path + " failed: " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The process's user + system CPU time so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
