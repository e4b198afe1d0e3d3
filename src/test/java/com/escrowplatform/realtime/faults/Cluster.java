package com.escrowplatform.realtime.faults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.Metrics;

/**
 * The instances under test, by slot: a slot's process is replaced when the nemesis restarts it (on a new port),
 * and every process ever started is remembered so that all of them are stopped at the end, crashed or not.
 */
final class Cluster implements AutoCloseable {
    static final Duration START = Duration.ofMinutes(3);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final AtomicReferenceArray<ApplicationProcess> slots;
    private final List<ApplicationProcess> started = new ArrayList<>();
    private final Map<String, String> settings;
    private int generation;

    /** {@code settings}: added to the test infrastructure's for every instance. */
    Cluster(int size, Map<String, String> settings) {
        this.settings = settings;
        slots = new AtomicReferenceArray<>(size);
        for (int slot = 0; slot < size; slot++) {
            restart(slot);
        }
    }

    int size() {
        return slots.length();
    }

    ApplicationProcess instance(int slot) {
        return slots.get(slot);
    }

    URI uri(int slot) {
        return slots.get(slot).uri();
    }

    /** Starts a fresh process in {@code slot} and waits until it is ready. */
    synchronized void restart(int slot) {
        // full JIT: the suite's recovery bounds are about how fast the service recovers
        ApplicationProcess process = ApplicationProcess.startMeasured("fault-instance-" + slot + "-" + generation++,
                START, settings);
        started.add(process);
        slots.set(slot, process);
    }

    /** The slot whose instance reports {@code escrow_outbox_leader 1}, or -1. */
    int relayLeader() {
        for (int slot = 0; slot < size(); slot++) {
            if (leads(slot)) {
                return slot;
            }
        }
        return -1;
    }

    boolean leads(int slot) {
        ApplicationProcess.Answer metrics = instance(slot).get("/q/metrics");
        return metrics.statusCode() == 200 && Metrics.metricIn(metrics.body(), "escrow_outbox_leader").orElse(0) == 1;
    }

    /** The replay paths a resume can take (CONTRACT 6), as the gateway counts them. */
    static final List<String> REPLAY_PATHS = List.of("hot", "cold", "unrecovered");

    /**
     * Each slot's process and its replay counters by path, now. A later sample minus this one is what the cluster
     * replayed in between: a slot whose process was replaced counts from zero.
     */
    Map<ApplicationProcess, double[]> replaySample() {
        Map<ApplicationProcess, double[]> sample = new HashMap<>();
        for (int slot = 0; slot < size(); slot++) {
            ApplicationProcess process = instance(slot);
            ApplicationProcess.Answer metrics = process.get("/q/metrics");
            double[] counts = new double[REPLAY_PATHS.size()];
            for (int path = 0; path < counts.length; path++) {
                counts[path] = metrics.statusCode() != 200 ? 0 : Metrics.metricIn(metrics.body(),
                        "escrow_gateway_replays_total{path=\"" + REPLAY_PATHS.get(path) + "\"").orElse(0);
            }
            sample.put(process, counts);
        }
        return sample;
    }

    /** Replays by path between two samples. */
    static long[] replaysBetween(Map<ApplicationProcess, double[]> before, Map<ApplicationProcess, double[]> after) {
        long[] replays = new long[REPLAY_PATHS.size()];
        after.forEach((process, counts) -> {
            double[] earlier = before.getOrDefault(process, new double[counts.length]);
            for (int path = 0; path < counts.length; path++) {
                replays[path] += Math.round(counts[path] - earlier[path]);
            }
        });
        return replays;
    }

    boolean allReady() {
        for (int slot = 0; slot < size(); slot++) {
            if (instance(slot).readinessStatus() != 200) {
                return false;
            }
        }
        return true;
    }

    /** A request to {@code slot}; status -1 on a network error. */
    Answer send(int slot, HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (java.io.IOException e) {
            return new Answer(-1, String.valueOf(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    record Answer(int status, String body) {
    }

    /**
     * The ERROR lines every instance ever started here has logged so far, each prefixed with its log's name: a
     * fault the service expects (a broker, a database or a client going away) is a WARN at most, and counted.
     */
    synchronized List<String> errorLines() {
        List<String> errors = new ArrayList<>();
        for (ApplicationProcess process : started) {
            try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(process.log())) {
                lines.filter(line -> ERROR_LINE.matcher(line).lookingAt())
                        .forEach(line -> errors.add(process.log().getFileName() + ": " + line));
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                errors.add(process.log().getFileName() + ": unreadable log: " + e);
            }
        }
        return errors;
    }

    /** The level column of the packaged application's console log: {@code 15:34:29,126 ERROR [...]}. */
    private static final java.util.regex.Pattern ERROR_LINE = java.util.regex.Pattern.compile("\\S+ ERROR ");

    @Override
    public synchronized void close() {
        started.forEach(ApplicationProcess::close);
    }
}
