package com.escrowplatform.realtime.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The README's "try it" and live-watch examples, run as written: their shell blocks are pasted into bash (the
 * lines on its standard input, the shell left open as a terminal is) against the running service, and the
 * watcher must show the FUNDED change the example makes; then the shell is closed and the watcher must be gone.
 * The one edit is the port, in the commands and in {@code ESCROW_WS_URL} for bin/watch: the service under test
 * listens on a free one, not 8080.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class WatchCommandTest {
    private static final Pattern SHELL_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern WATCHER_PID = Pattern.compile("bin/watch: .*\\bpid (\\d+)\\b");

    @TestHTTPResource("/")
    URI base;

    /** bash with the example, or bin/watch itself. */
    private Process shell;
    private final StringBuffer output = new StringBuffer();

    @AfterEach
    void stopShellAndWatcher() {
        if (shell != null) {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
        watcherPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void shouldShowTheFundedChangeWhenTheReadmeExampleIsPastedAsWritten() throws Exception {
        String example = readmeExample().replace("localhost:8080", "localhost:" + base.getPort());

        start(new ProcessBuilder("bash"));
        OutputStream terminal = shell.getOutputStream();
        terminal.write((example + "\n").getBytes(StandardCharsets.UTF_8));
        terminal.flush();

        Awaitility.await("the watcher printing the FUNDED change").atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(printed()).as("printed by the example").anyMatch(line -> line.contains(
                        "\"type\":\"escrow:status_changed\"") && line.matches(".*\"to\": ?\"FUNDED\".*")));
        assertThat(printed()).as("printed by the example")
                .anyMatch(line -> line.contains("\"type\":\"welcome\""))
                .anyMatch(line -> line.contains("\"type\":\"subscribed\"") && line.contains("\"room\":\"escrow:"));

        // closing the terminal ends the shell, and the watcher with it
        terminal.close();
        Awaitility.await("the shell exiting").atMost(Duration.ofSeconds(30)).until(() -> !shell.isAlive());
        long watcher = watcherPid().orElseThrow(() -> new AssertionError("bin/watch named no pid in " + output));
        Awaitility.await("watcher " + watcher + " exiting with its shell").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(watcher).map(p -> !p.isAlive()).orElse(true));
    }

    /** A room the token may not watch: bin/watch returns non-zero with the refusal printed, and no watcher is left. */
    @Test
    void shouldReturnNonZeroWithoutAWatcherWhenARoomIsRefused() throws Exception {
        String escrowId = Api.createEscrow(Api.uniqueUser("watch-buyer"), Api.uniqueUser("watch-seller"), null, "5.00")
                .then().statusCode(201).extract().path("id");
        start(new ProcessBuilder("bin/watch", TestTokens.forUser(Api.uniqueUser("outsider")), "escrow:" + escrowId));

        Awaitility.await("bin/watch returning").atMost(Duration.ofSeconds(60)).until(() -> !shell.isAlive());
        assertThat(shell.exitValue()).as("exit status; printed: %s", output).isEqualTo(1);
        assertThat(printed()).anyMatch(line -> line.contains("\"type\":\"error\"") && line.contains("\"code\":\"forbidden\""));
        assertThat(watcherPid()).as("a watcher announced in %s", output).isEmpty();
    }

    /** The README's shell blocks from the one that defines {@code token()} to the one that runs {@code bin/watch}. */
    private static String readmeExample() throws IOException {
        Matcher blocks = SHELL_BLOCK.matcher(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8));
        List<String> example = new ArrayList<>();
        while (blocks.find()) {
            String block = blocks.group(1);
            if (block.contains("token()") || !example.isEmpty()) {
                example.add(block);
            }
            if (!example.isEmpty() && block.contains("bin/watch")) {
                return String.join("\n", example);
            }
        }
        throw new AssertionError("README.md has no shell block defining token() followed by one running bin/watch");
    }

    /** Starts the command with its output collected; bin/watch is pointed at this service and runs on this JDK. */
    private void start(ProcessBuilder command) throws IOException {
        command.redirectErrorStream(true);
        command.environment().put("ESCROW_WS_URL", "ws://localhost:" + base.getPort() + "/ws");
        command.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        shell = command.start();
        InputStream printedByCommand = shell.getInputStream();
        Thread reader = new Thread(() -> collect(printedByCommand), "watch-command-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Keeps everything printed, whole lines or not (curl's answers end without a newline). */
    private void collect(InputStream printedByCommand) {
        try (Reader out = new InputStreamReader(printedByCommand, StandardCharsets.UTF_8)) {
            char[] chunk = new char[8192];
            for (int read; (read = out.read(chunk)) != -1;) {
                output.append(chunk, 0, read);
            }
        } catch (IOException ended) {
            // the command was stopped
        }
    }

    private List<String> printed() {
        return List.of(output.toString().split("\n"));
    }

    private Optional<Long> watcherPid() {
        return printed().stream().map(WATCHER_PID::matcher).filter(Matcher::find).map(m -> Long.parseLong(m.group(1))).findFirst();
    }
}
