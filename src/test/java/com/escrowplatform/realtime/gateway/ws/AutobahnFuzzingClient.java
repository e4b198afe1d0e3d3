package com.escrowplatform.realtime.gateway.ws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.escrowplatform.realtime.testsupport.Json;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Autobahn|Testsuite fuzzing client, run in a child JVM under Jython against one WebSocket URL. The
 * testsuite's Python comes from the {@code autobahntestsuite-maven-plugin} jar that the build copies to
 * {@code target/autobahn/lib} with {@code jython-standalone}; {@code src/test/autobahn/fuzzing_client.py} starts it.
 * Its report (HTML and JSON, one file per case) lands in {@code target/autobahn/reports/<agent>}.
 */
final class AutobahnFuzzingClient {
    static final Path LIB = Path.of("target", "autobahn", "lib");
    static final Path SCRIPT = Path.of("src", "test", "autobahn", "fuzzing_client.py");

    /** One case's verdict, as the testsuite reports it: OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED, … */
    record CaseResult(String id, String behavior, String behaviorClose, String remoteCloseCode) {
        boolean ok() {
            return "OK".equals(behavior) && ("OK".equals(behaviorClose) || "INFORMATIONAL".equals(behaviorClose));
        }

        @Override
        public String toString() {
            return id + " " + behavior + " (close " + behaviorClose + ", code " + remoteCloseCode + ")";
        }
    }

    private AutobahnFuzzingClient() {
    }

    /** Runs the cases against {@code url} and returns each case's result by id, in case order. */
    static Map<String, CaseResult> run(URI url, String agent, List<String> cases, List<String> excluded, Duration timeout) {
        Path reports = Path.of("target", "autobahn", "reports", agent).toAbsolutePath();
        deleteRecursively(reports);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Dpython.cachedir.skip=true", "-Dpython.console.encoding=UTF-8",
                "-cp", LIB.toAbsolutePath() + "/*", "org.python.util.jython",
                SCRIPT.toAbsolutePath().toString(),
                url.toString(), agent, reports.toString(), String.join(",", cases), String.join(",", excluded)));
        Process process = null;
        try {
            Files.createDirectories(reports);
            Path log = reports.resolveSibling(agent + ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the fuzzing client did not finish within " + timeout + "; see " + log);
            }
            Path index = reports.resolve("index.json");
            if (process.exitValue() != 0 || !Files.exists(index)) {
                throw new IllegalStateException("the fuzzing client failed (exit " + process.exitValue() + "); see " + log);
            }
            return parse(Json.parse(Files.readAllBytes(index)).path(agent));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private static Map<String, CaseResult> parse(JsonNode agentResults) {
        Map<String, CaseResult> results = new TreeMap<>(AutobahnFuzzingClient::compareCaseIds);
        for (Iterator<Map.Entry<String, JsonNode>> it = agentResults.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode result = entry.getValue();
            results.put(entry.getKey(), new CaseResult(entry.getKey(), result.path("behavior").asText(),
                    result.path("behaviorClose").asText(), result.path("remoteCloseCode").asText()));
        }
        return results;
    }

    /** "6.4.10" after "6.4.9": numeric, part by part. */
    static int compareCaseIds(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
