import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.LocalTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;

/**
 * Watches rooms on the native protocol ({@code /ws}) and prints every frame as it arrives: a terminal client
 * that needs nothing but the JDK. Run by {@code bin/watch}; see the README.
 *
 * <pre>bin/watch TOKEN [escrow:ID | user:SUB]...   (ESCROW_WS_URL overrides ws://localhost:8080/ws)</pre>
 */
public class Watch {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: bin/watch TOKEN [escrow:ID | user:SUB]...");
            System.exit(2);
        }
        String url = System.getenv().getOrDefault("ESCROW_WS_URL", "ws://localhost:8080/ws");
        CountDownLatch closed = new CountDownLatch(1);
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + args[0])
                .buildAsync(URI.create(url), new Printer(closed))
                .exceptionally(failure -> {
                    System.err.println("could not connect to " + url + ": " + failure.getCause());
                    System.exit(1);
                    return null;
                })
                .join();
        for (int i = 1; i < args.length; i++) {
            String frame = "{\"op\":\"subscribe\",\"room\":\"" + args[i] + "\",\"ref\":\"" + i + "\"}";
            System.out.println(LocalTime.now() + " > " + frame);
            socket.sendText(frame, true).join();
        }
        closed.await();
    }

    /** Prints whole text messages; frames of one message are joined first. */
    private static final class Printer implements WebSocket.Listener {
        private final CountDownLatch closed;
        private final StringBuilder message = new StringBuilder();

        Printer(CountDownLatch closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                System.out.println(LocalTime.now() + " < " + message);
                message.setLength(0);
            }
            socket.request(1);
            return CompletableFuture.completedFuture(null);
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
