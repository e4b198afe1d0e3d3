package com.escrowplatform.realtime.gateway.socketio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.escrowplatform.realtime.testsupport.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The official {@code socket.io-client} (the exact version in {@code src/test/socketio-client/package.json}),
 * run by Node 20 as {@code client.mjs} and driven over JSON lines: commands to its stdin, what the client
 * sees from its stdout. The first use installs the client from the npm registry into
 * {@code target/socketio-client} (no lock file is kept; node_modules never leaves target/).
 */
public final class NodeSocketIoClient implements AutoCloseable {
    private static final Path SOURCES = Path.of("src/test/socketio-client");
    private static final Path WORK = Path.of("target/socketio-client");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final List<JsonNode> seen = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();

    private NodeSocketIoClient(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread reader = new Thread(() -> read(process), "node-socketio-stdout");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(line -> stderr.append(line).append('\n'));
            } catch (IOException e) {
                // the process ended
            }
        }, "node-socketio-stderr");
        errors.setDaemon(true);
        errors.start();
    }

    /** Starts a client process (nothing connects yet). */
    public static NodeSocketIoClient start() {
        installOnce();
        try {
            ProcessBuilder builder = new ProcessBuilder("node", "client.mjs").directory(WORK.toFile());
            builder.environment().put("DEBUG", System.getProperty("socketio.debug", ""));
            return new NodeSocketIoClient(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects to {@code base} (the application's root URL) with the given auth payload and client options. */
    public NodeSocketIoClient connect(URI base, Map<String, ?> auth, Map<String, ?> options) {
        ObjectNode command = Json.MAPPER.createObjectNode().put("op", "connect").put("url", base.toString());
        command.set("auth", auth == null ? null : Json.MAPPER.valueToTree(auth));
        command.set("options", Json.MAPPER.valueToTree(options == null ? Map.of() : options));
        return send(command);
    }

    /** {@code socket.auth = auth; socket.connect()}, as an application does after refreshing a refused token. */
    NodeSocketIoClient reconnect(Map<String, ?> auth) {
        ObjectNode command = Json.MAPPER.createObjectNode().put("op", "reconnect");
        command.set("auth", Json.MAPPER.valueToTree(auth));
        return send(command);
    }

    public NodeSocketIoClient emit(String name, Map<String, ?> body, String ref) {
        ObjectNode command = Json.MAPPER.createObjectNode().put("op", "emit").put("name", name).put("ref", ref);
        command.set("body", Json.MAPPER.valueToTree(body));
        return send(command);
    }

    /** Cuts the client's network: every connection it has is dropped; it reconnects by itself. */
    NodeSocketIoClient drop() {
        return send(Json.MAPPER.createObjectNode().put("op", "drop"));
    }

    /** Points the client's later connections at another server (a load balancer choosing another instance). */
    public NodeSocketIoClient target(URI base) {
        return send(Json.MAPPER.createObjectNode().put("op", "target").put("url", base.toString()));
    }

    /** Asks the client to print whether it is connected, and over which transport ({@code "event": "state"}). */
    NodeSocketIoClient state() {
        return send(Json.MAPPER.createObjectNode().put("op", "state"));
    }

    /** The next line the client printed that matches, keeping the others for {@link #seen()}. */
    public JsonNode await(Predicate<JsonNode> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode line;
            try {
                line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (line == null) {
                throw new AssertionError("the client printed nothing matching within " + timeout + "; it printed "
                        + seen + "; stderr: " + stderr);
            }
            seen.add(line);
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /** The next line with {@code "event": event}. */
    JsonNode await(String event, Duration timeout) {
        return await(line -> event.equals(line.path("event").asText()), timeout);
    }

    /** The ack of the emit with {@code ref}: the reply object. */
    JsonNode ack(String ref, Duration timeout) {
        return await(line -> "ack".equals(line.path("event").asText()) && ref.equals(line.path("ref").asText()), timeout)
                .path("reply");
    }

    /** The next {@code count} events named {@code name}, each as its argument list. */
    List<JsonNode> messages(String name, int count, Duration timeout) {
        List<JsonNode> found = new ArrayList<>();
        while (found.size() < count) {
            found.add(await(line -> "message".equals(line.path("event").asText()) && name.equals(line.path("name").asText()),
                    timeout).path("args"));
        }
        return found;
    }

    /** Every line taken so far, in order. */
    List<JsonNode> seen() {
        return List.copyOf(seen);
    }

    /** Lines printed and not yet taken. */
    List<JsonNode> pending() {
        List<JsonNode> rest = new ArrayList<>();
        lines.drainTo(rest);
        seen.addAll(rest);
        return rest;
    }

    @Override
    public void close() {
        try {
            send(Json.MAPPER.createObjectNode().put("op", "close"));
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (RuntimeException | InterruptedException e) {
            // ending anyway
        } finally {
            process.destroyForcibly();
        }
    }

    private NodeSocketIoClient send(ObjectNode command) {
        try {
            stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the client process ended; stderr: " + stderr, e);
        }
        return this;
    }

    private void read(Process source) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(source.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(Json.parse(line));
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private static synchronized void installOnce() {
        try {
            Files.createDirectories(WORK);
            for (String file : List.of("package.json", ".npmrc", "client.mjs")) {
                Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (Files.isDirectory(WORK.resolve("node_modules/socket.io-client"))) {
                return;
            }
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--no-package-lock")
                    .directory(WORK.toFile()).redirectErrorStream(true)
                    .redirectOutput(WORK.resolve("npm-install.log").toFile()).start();
            if (!npm.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm install failed; see " + WORK.resolve("npm-install.log").toAbsolutePath()
                        + ":\n" + Files.readString(WORK.resolve("npm-install.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
