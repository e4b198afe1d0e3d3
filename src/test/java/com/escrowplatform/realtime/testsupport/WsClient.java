package com.escrowplatform.realtime.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A native-protocol client for tests, on the JDK's WebSocket: frames arrive in a queue, read in order with
 * a timeout; the close code and time are kept.
 */
public final class WsClient implements AutoCloseable {
    /** One shared HTTP client: hundreds of sockets share its threads. */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final WebSocket socket;
    private final LinkedBlockingQueue<JsonNode> frames;
    private final CompletableFuture<Closed> closed;
    private final Listener listener;

    public record Closed(int code, String reason, Instant at) {
    }

    private WsClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.listener = listener;
        this.frames = listener.frames;
        this.closed = listener.closed;
    }

    /** Connects to {@code /ws} of {@code base} with a bearer token; fails with the handshake's HTTP status. */
    public static WsClient connect(URI base, String token) {
        return connect(base, "/ws", builder -> builder.header("Authorization", "Bearer " + token));
    }

    public static WsClient connect(URI base, String path, java.util.function.UnaryOperator<WebSocket.Builder> options) {
        return connectAsync(base, path, options).join();
    }

    public static CompletableFuture<WsClient> connectAsync(URI base, String path,
            java.util.function.UnaryOperator<WebSocket.Builder> options) {
        LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        CompletableFuture<Closed> closed = new CompletableFuture<>();
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + path);
        Listener listener = new Listener(frames, closed);
        return options.apply(HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)))
                .buildAsync(uri, listener)
                .thenApply(socket -> new WsClient(socket, listener));
    }

    /** The HTTP status of a refused upgrade, or 101 when the socket opened. */
    public static int upgradeStatus(URI base, java.util.function.UnaryOperator<WebSocket.Builder> options) {
        try (WsClient client = connect(base, "/ws", options)) {
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    public void send(ObjectNode frame) {
        socket.sendText(frame.toString(), true).join();
    }

    public void sendText(String text) {
        socket.sendText(text, true).join();
    }

    public static ObjectNode subscribe(String room, String lastEventId, String ref) {
        ObjectNode frame = Json.MAPPER.createObjectNode().put("op", "subscribe").put("room", room);
        if (lastEventId != null) {
            frame.put("lastEventId", lastEventId);
        }
        if (ref != null) {
            frame.put("ref", ref);
        }
        return frame;
    }

    public static ObjectNode unsubscribe(String room, String ref) {
        return Json.MAPPER.createObjectNode().put("op", "unsubscribe").put("room", room).put("ref", ref);
    }

    /** The next frame, waiting up to {@code timeout}; fails when none arrives. */
    public JsonNode next(Duration timeout) {
        try {
            JsonNode frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + timeout);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame, or null when none arrives within {@code timeout}. */
    public JsonNode poll(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Skips frames until one matches, failing after {@code timeout}. */
    public JsonNode nextMatching(Predicate<JsonNode> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout);
            }
            JsonNode frame = next(Duration.ofNanos(left));
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    /** The next {@code count} frames of {@code type}, skipping others. */
    public List<JsonNode> nextOfType(String type, int count, Duration timeout) {
        List<JsonNode> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (found.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("only " + found.size() + " of " + count + " '" + type + "' frames within " + timeout);
            }
            JsonNode frame = next(Duration.ofNanos(left));
            if (type.equals(frame.path("type").asText())) {
                found.add(frame);
            }
        }
        return found;
    }

    /** Frames received and not read yet. */
    public List<JsonNode> pending() {
        List<JsonNode> drained = new ArrayList<>();
        frames.drainTo(drained);
        return drained;
    }

    public CompletableFuture<Closed> closed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            closed.completeOnTimeout(new Closed(-1, "no close from the server", Instant.now()), 5, TimeUnit.SECONDS).join();
        }
        socket.abort();
    }

    /** How long nothing came from the server: no frame and no ping (a live server pings a quiet socket). */
    public Duration silence() {
        return Duration.ofNanos(System.nanoTime() - listener.lastHeard);
    }

    private static final class Listener implements WebSocket.Listener {
        private final LinkedBlockingQueue<JsonNode> frames;
        private final CompletableFuture<Closed> closed;
        private final StringBuilder partial = new StringBuilder();
        private volatile long lastHeard = System.nanoTime();

        Listener(LinkedBlockingQueue<JsonNode> frames, CompletableFuture<Closed> closed) {
            this.frames = frames;
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeard = System.nanoTime();
            partial.append(data);
            if (last) {
                frames.add(Json.parse(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
            lastHeard = System.nanoTime(); // the HTTP client answers the pong itself
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, reason, Instant.now()));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(new Closed(1006, String.valueOf(error), Instant.now()));
        }
    }
}
