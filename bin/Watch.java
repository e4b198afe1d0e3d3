import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watches rooms on the native protocol ({@code /ws}) and prints every frame as it arrives: a terminal client
 * that needs nothing but the JDK. Run by {@code bin/watch}, which returns once every room is subscribed; see
 * the README. Run directly ({@code java bin/Watch.java ...}) it stays in the foreground.
 *
 * <pre>bin/watch TOKEN [escrow:ID | user:SUB]...   (ESCROW_WS_URL overrides ws://localhost:8080/ws)</pre>
 *
 * {@code WATCH_READY_FILE}: a file to write to once every room is subscribed. {@code WATCH_SHELL_PID}: a
 * process whose end ends the watcher too. A refused room, or a close before every room is subscribed, ends it
 * with status 1.
 */
public class Watch {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: bin/watch TOKEN [escrow:ID | user:SUB]...");
            System.exit(2);
        }
        String url = System.getenv().getOrDefault("ESCROW_WS_URL", "ws://localhost:8080/ws");
        String readyFile = System.getenv("WATCH_READY_FILE");
        Set<String> unanswered = ConcurrentHashMap.newKeySet();
        for (int i = 1; i < args.length; i++) {
            unanswered.add(String.valueOf(i));
        }
        CountDownLatch closed = new CountDownLatch(1);
        // every ref is known before the first subscribe goes out, so no reply can overtake its bookkeeping
        Printer printer = new Printer(closed, unanswered, readyFile == null ? null : Path.of(readyFile));
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + args[0])
                .buildAsync(URI.create(url), printer)
                .exceptionally(failure -> {
                    System.err.println("could not connect to " + url + ": " + failure.getCause());
                    System.exit(1);
                    return null;
                })
                .join();
        String shell = System.getenv("WATCH_SHELL_PID");
        if (shell != null) {
            ProcessHandle.of(Long.parseLong(shell)).map(ProcessHandle::onExit)
                    .orElse(CompletableFuture.completedFuture(null))
                    .thenRun(() -> closeAndExit(socket));
        }
        for (int i = 1; i < args.length; i++) {
            String frame = "{\"op\":\"subscribe\",\"room\":\"" + args[i] + "\",\"ref\":\"" + i + "\"}";
            System.out.println(LocalTime.now() + " > " + frame);
            socket.sendText(frame, true).join();
        }
        printer.readyIfAnswered();
        closed.await();
        System.exit(printer.ready ? 0 : 1);
    }

    private static void closeAndExit(WebSocket socket) {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
        } catch (Exception alreadyGone) {
            // nothing to close politely
        }
        System.exit(0);
    }

    /** Prints whole text messages (frames of one message are joined first) and tracks the subscribe replies. */
    private static final class Printer implements WebSocket.Listener {
        private final CountDownLatch closed;
        private final Set<String> unanswered;
        private final Path readyFile;
        private final StringBuilder message = new StringBuilder();
        volatile boolean ready;

        Printer(CountDownLatch closed, Set<String> unanswered, Path readyFile) {
            this.closed = closed;
            this.unanswered = unanswered;
            this.readyFile = readyFile;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                String frame = message.toString();
                message.setLength(0);
                System.out.println(LocalTime.now() + " < " + frame);
                answered(frame);
            }
            socket.request(1);
            return CompletableFuture.completedFuture(null);
        }

        /** A subscribe reply carries its ref; the server writes frames as compact JSON, type first. */
        private void answered(String frame) {
            for (String ref : unanswered) {
                if (!frame.contains("\"ref\":\"" + ref + "\"")) {
                    continue;
                }
                if (frame.startsWith("{\"type\":\"error\"")) {
                    System.err.println(LocalTime.now() + " room refused, stopping");
                    System.exit(1);
                }
                if (frame.startsWith("{\"type\":\"subscribed\"")) {
                    unanswered.remove(ref);
                    readyIfAnswered();
                }
            }
        }

        synchronized void readyIfAnswered() {
            if (ready || !unanswered.isEmpty()) {
                return;
            }
            ready = true;
            if (readyFile != null) {
                try {
                    Files.writeString(readyFile, "subscribed\n");
                } catch (java.io.IOException e) {
                    System.err.println("cannot write " + readyFile + ": " + e);
                    System.exit(1);
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            System.out.println(LocalTime.now() + " closed " + code + " " + reason);
            closed.countDown();
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            System.err.println(LocalTime.now() + " error " + error);
            closed.countDown();
        }
    }
}
