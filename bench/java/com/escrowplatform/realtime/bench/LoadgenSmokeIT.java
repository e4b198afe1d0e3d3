package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the load generator of {@code bench/loadgen/} from rotting: each scenario at its smoke size against the
 * packaged application (which is why this runs after {@code package}), with its own broker and database.
 * Asserts only that every socket opened and every expected delivery arrived once; the runner checks that itself
 * and exits non-zero otherwise. Speed is for real runs, see bench/loadgen/README.md.
 *
 * <p>Two runs at a time (JUnit's parallelism on two cores; every run has its own ports, database and run
 * directory): a smoke run mostly waits on its steps, and two overlap in about three quarters of the time. The
 * methods are concurrent, the class is not: no other test class runs beside these.
 */
class LoadgenSmokeIT {
    private static final Path LOADGEN = Path.of("bench", "loadgen");

    /** fanout runs against the service in {@link #shouldCompareTheServiceWithEveryPeerAtSmokeSize}. */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @ValueSource(strings = { "capacity", "e2e", "reconnect", "scaleout" })
    void shouldDeliverEveryExpectedEventAtSmokeSize(String scenario) throws Exception {
        assertSmokeRunPasses(scenario, List.of("node", "bench/loadgen/run.mjs", scenario, "--smoke"));
    }

    /** The clients of a killed instance fail over to a second one, as behind a balancer. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void shouldRecoverEverySocketOnASecondInstanceAtSmokeSize() throws Exception {
        assertSmokeRunPasses("reconnect-failover", List.of("node", "bench/loadgen/run.mjs", "reconnect", "--smoke", "--instances", "2"));
    }

    /**
     * The side-by-side sitting: the service and every peer in turn (Socket.IO fed by Kafka, Socket.IO with an
     * in-process publisher, Vert.x, the plain Kafka consumer: compare.mjs's default), its table and its plot.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void shouldCompareTheServiceWithEveryPeerAtSmokeSize() throws Exception {
        assertSmokeRunPasses("compare-fanout", List.of("node", "bench/loadgen/compare.mjs", "fanout", "--smoke"));
    }

    private static void assertSmokeRunPasses(String name, List<String> command) throws Exception {
        installPackages();
        Path log = Path.of("target", "loadgen-" + name + "-smoke.log").toAbsolutePath();
        int exit = run(command, Path.of("."), log);
        assertThat(exit).as("smoke run of " + name + ": " + Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }

    /** Once for the runs at a time: two installs into one node_modules would break it. */
    private static synchronized void installPackages() throws Exception {
        if (!Files.isDirectory(LOADGEN.resolve("node_modules").resolve("ws"))) {
            assertThat(run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"),
                    LOADGEN, Path.of("target", "loadgen-npm.log"))).as("npm install in bench/loadgen").isZero();
        }
    }

    /** Runs a command to its end (at most 16 minutes; each runner bounds itself at 5) and returns its exit code. */
    private static int run(List<String> command, Path directory, Path log) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toAbsolutePath().toFile()).start();
        try {
            assertThat(process.waitFor(16, TimeUnit.MINUTES)).as(String.join(" ", command) + " ended").isTrue();
            return process.exitValue();
        } finally {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
    }
}
