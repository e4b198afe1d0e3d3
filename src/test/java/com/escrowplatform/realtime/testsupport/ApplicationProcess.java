package com.escrowplatform.realtime.testsupport;

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
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * Another instance of the packaged application ({@code target/quarkus-app/quarkus-run.jar}, prod profile),
 * started as its own process on a free port against the test infrastructure, beside the one
 * {@code @QuarkusIntegrationTest} launches. Output goes to {@code target/<name>.log}. A JVM shutdown hook
 * kills it (and anything it started) if a test forgets to, or fails before it can.
 */
public final class ApplicationProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * A test instance compiles with C1 only: it checks behaviour, not speed, and becomes ready on about two thirds
     * of the CPU (6.7 s of CPU instead of 10.5 s, measured on two cores), which the other processes of a test need.
     */
    private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread killer;

    private ApplicationProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.killer = new Thread(this::kill, "kill-" + log.getFileName());
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** Starts the packaged application with {@link TestInfrastructure#applicationConfig()} and waits until it is ready. */
    public static ApplicationProcess start(String name, Duration readyWithin) {
        return start(name, readyWithin, Map.of());
    }

    /** As {@link #start(String, Duration)}, with {@code settings} added to (or overriding) the infrastructure's. */
    public static ApplicationProcess start(String name, Duration readyWithin, Map<String, String> settings) {
        return launch(name, readyWithin, settings, true, QUICK_START);
    }

    /**
     * As {@link #start(String, Duration, Map)}, with the JVM's full JIT as in production: for benchmarks and for
     * tests whose bounds depend on how fast the instance runs.
     */
    public static ApplicationProcess startMeasured(String name, Duration readyWithin, Map<String, String> settings) {
        return launch(name, readyWithin, settings, true, List.of());
    }

    /**
     * As {@link #start(String, Duration, Map)}, but returns as soon as the instance answers HTTP, ready or not:
     * for tests of what an instance does while it is not ready.
     */
    public static ApplicationProcess startAnswering(String name, Duration answeringWithin, Map<String, String> settings) {
        return launch(name, answeringWithin, settings, false, QUICK_START);
    }

    private static ApplicationProcess launch(String name, Duration within, Map<String, String> settings, boolean ready,
            List<String> jvmOptions) {
        // -Dapplication.jar runs another build, an older commit's for instance, under the same test
        Path jar = Path.of(System.getProperty("application.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing " + jar + ": run through 'mvnw verify', which packages it first");
        }
        int port;
        try {
            port = KafkaBroker.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        // -Dapplication.jvm-options="-XX:... -agentpath:..." for a profiler or other JVM flags of a bench
        for (String option : System.getProperty("application.jvm-options", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        Map<String, String> config = new java.util.LinkedHashMap<>(TestInfrastructure.applicationConfig());
        config.putAll(settings);
        for (Map.Entry<String, String> setting : config.entrySet()) {
            command.add("-D" + setting.getKey() + "=" + setting.getValue());
        }
        command.add("-Dquarkus.http.port=" + port);
        command.add("-jar");
        command.add(jar.toString());
        Path log = Path.of("target", name + ".log").toAbsolutePath();
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
        ApplicationProcess started = new ApplicationProcess(process, port, log);
        try {
            Awaitility.await(name + (ready ? " ready" : " answering") + " on port " + port).atMost(within)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                        }
                        int status = started.readinessStatus();
                        return ready ? status == 200 : status != -1;
                    });
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        return started;
    }

    public URI uri() {
        return URI.create("http://localhost:" + port);
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** HTTP status of {@code /q/health/ready}, or -1 when nothing answers. */
    public int readinessStatus() {
        return get("/q/health/ready").statusCode();
    }

    /** A GET on this instance; status -1 and an empty body when nothing answers. */
    public Answer get(String path) {
        return send(HttpRequest.newBuilder(uri().resolve(path)));
    }

    /** A GET with {@code Authorization: Bearer <token>}; status -1 and an empty body when nothing answers. */
    public Answer get(String path, String bearerToken) {
        return send(HttpRequest.newBuilder(uri().resolve(path)).header("Authorization", "Bearer " + bearerToken));
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "");
        }
    }

    public record Answer(int statusCode, String body) {
    }

    /** Sends SIGTERM, as an orchestrator stopping the instance does; returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Kills the process with SIGKILL, as a crash would, and waits for it to be gone. */
    public void crash() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    public long pid() {
        return process.pid();
    }

    /** @return true when the process exited within {@code timeout} */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Asks politely (SIGTERM), then kills whatever is left of the process and its descendants. */
    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: nothing left to undo
        }
    }

    private void kill() {
        List<ProcessHandle> descendants = process.descendants().toList();
        if (process.isAlive()) {
            process.destroy();
            awaitExit(Duration.ofSeconds(30));
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
        }
    }
}
