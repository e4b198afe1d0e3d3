package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the load generator of {@code bench/loadgen/} at its smoke size and asserts that it passed: the runner itself
 * checks that every socket opened and every expected delivery arrived once, and exits non-zero otherwise. For the
 * smoke tests, which run in parallel JVMs: the npm install they share is done once, under a file lock.
 */
final class LoadgenSmoke {
    private static final Path LOADGEN = Path.of("bench", "loadgen");

    private LoadgenSmoke() {
    }

    /** Runs {@code command} from the repository root, its output in {@code target/loadgen-<name>-smoke.log}. */
    static void assertPasses(String name, List<String> command) throws Exception {
        installOnce();
        Path log = Path.of("target", "loadgen-" + name + "-smoke.log").toAbsolutePath();
        int exit = run(command, Path.of("."), log);
        assertThat(exit).as("smoke run of " + name + ": " + Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }

    private static void installOnce() throws Exception {
        Files.createDirectories(Path.of("target"));
        try (FileChannel channel = FileChannel.open(Path.of("target", "loadgen-npm.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            if (!Files.isDirectory(LOADGEN.resolve("node_modules").resolve("ws"))) {
                assertThat(run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"),
                        LOADGEN, Path.of("target", "loadgen-npm.log"))).as("npm install in bench/loadgen").isZero();
            }
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
