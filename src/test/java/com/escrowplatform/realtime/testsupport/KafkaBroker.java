package com.escrowplatform.realtime.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;

/**
 * A real single-node Kafka broker in its own process (tools/kafka/kafka-broker), on free loopback ports
 * and a fresh data directory. {@link #stop()} and {@link #start()} take it down and bring it back on the
 * same ports and data, for outage tests; {@link #kill()} crashes it. The broker script also ends the broker if this JVM dies.
 */
public final class KafkaBroker {
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private Process process;

    private KafkaBroker(int port, int controllerPort, Path dataDir) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
    }

    public static KafkaBroker create() throws IOException {
        return new KafkaBroker(freePort(), freePort(), Files.createTempDirectory("escrow-kafka-"));
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Path log = Path.of("target", "kafka-broker.log").toAbsolutePath();
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(script().toString(), String.valueOf(port), String.valueOf(controllerPort),
                    dataDir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Kafka broker", e);
        }
        // the first start also gathers the broker's classpath through Maven: allow for it
        Awaitility.await("Kafka broker on " + bootstrapServers()).atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the Kafka broker exited; see target/kafka-broker.log");
                    }
                    return accepts(port);
                });
    }

    /** Stops the broker process and waits for it to exit; its data stays for {@link #start()}. */
    public synchronized void stop() {
        end(false);
    }

    /**
     * Kills the broker with SIGKILL, as a crash would (no controlled shutdown, no flush); its data stays for
     * {@link #start()}, which recovers it.
     */
    public synchronized void kill() {
        end(true);
    }

    private void end(boolean crash) {
        if (process == null) {
            return;
        }
        if (crash) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        } else {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Awaitility.await("Kafka port closed").atMost(Duration.ofSeconds(30)).until(() -> !accepts(port));
        process = null;
    }

    /** Stops the broker and deletes its data. */
    public synchronized void destroy() {
        stop();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    private static Path script() {
        Path path = Path.of("tools", "kafka", "kafka-broker").toAbsolutePath();
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("missing " + path + " (tests run from the project directory)");
        }
        return path;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
