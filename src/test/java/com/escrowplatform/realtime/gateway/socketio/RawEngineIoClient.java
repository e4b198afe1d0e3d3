package com.escrowplatform.realtime.gateway.socketio;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Engine.IO v4 / Socket.IO v5 spoken by hand over the JDK's WebSocket on
 * {@code /socket.io/?EIO=4&transport=websocket}: every text frame the server sends is kept as it came, in order;
 * the close code and the time it arrived are kept. Answers the server's pings ({@code 2} → {@code 3}) unless
 * told not to.
 */
public final class RawEngineIoClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The close frame the server sent, and when the client got it. */
    record Closed(int code, String reason, Instant at) {
    }

    private final WebSocket socket;
    private final LinkedBlockingQueue<String> frames;
    private final CompletableFuture<Closed> closed;
    private final List<String> seen = new ArrayList<>();
    private final List<String> sent = new ArrayList<>();
    final Instant openedAt;

    private RawEngineIoClient(WebSocket socket, LinkedBlockingQueue<String> frames, CompletableFuture<Closed> closed,
            Instant openedAt) {
        this.socket = socket;
        this.frames = frames;
        this.closed = closed;
        this.openedAt = openedAt;
    }

    /**
     * Opens a WebSocket-only Engine.IO session on {@code base}; {@code answerPings} false plays a dead client.
     * {@link #openedAt} is taken before the upgrade is sent, so it is never later than the server's open.
     */
    public static RawEngineIoClient open(URI base, boolean answerPings) {
        return connect(base, "", answerPings);
    }

    /**
     * Opens the WebSocket that upgrades the long-polling session {@code sid}: no open packet comes; the caller
     * probes ({@code 2probe}) and upgrades ({@code 5}). Answers pings once they come over it.
     */
    static RawEngineIoClient upgrade(URI base, String sid) {
        return connect(base, "&sid=" + sid, true);
    }

    private static RawEngineIoClient connect(URI base, String query, boolean answerPings) {
        Instant before = Instant.now();
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        CompletableFuture<Closed> closed = new CompletableFuture<>();
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/socket.io/?EIO=4&transport=websocket"
                + query);
        WebSocket socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new Listener(frames, closed, answerPings)).join();
        return new RawEngineIoClient(socket, frames, closed, before);
    }

    /** Sends one Engine.IO packet as a text frame, e.g. {@code 40{"token":"…"}}. */
    public RawEngineIoClient send(String packet) {
        sent.add(packet);
        sendText(socket, packet);
        return this;
    }

    /** Sends one binary frame (this server speaks no binary packets). */
    RawEngineIoClient sendBinary(byte[] bytes) {
        sent.add("<binary " + bytes.length + " bytes>");
        synchronized (socket) {
            socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).join();
        }
        return this;
    }

    /** One send at a time per socket (the JDK refuses overlapping ones): the test's and the pongs. */
    private static void sendText(WebSocket socket, String text) {
        synchronized (socket) {
            socket.sendText(text, true).join();
        }
    }

    /** The next frame, failing after {@code timeout}. */
    public String next(Duration timeout) {
        try {
            String frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + timeout + "; so far " + seen + "; closed: "
                        + closed.getNow(null));
            }
            seen.add(frame);
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Skips frames until one matches, failing after {@code timeout}. */
    public String nextMatching(Predicate<String> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout + "; so far " + seen);
            }
            String frame = next(Duration.ofNanos(left));
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    /** Every frame read so far, in order. */
    List<String> seen() {
        return List.copyOf(seen);
    }

    /** The server's close, failing when it does not come within {@code timeout}. */
    Closed awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the server did not close within " + timeout + "; sent: " + sent + "; received: " + seen);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            closed.completeOnTimeout(new Closed(-1, "no close from the server", Instant.now()), 5, TimeUnit.SECONDS).join();
        }
        socket.abort();
    }

    private static final class Listener implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> frames;
        private final CompletableFuture<Closed> closed;
        private final boolean answerPings;
        private final StringBuilder partial = new StringBuilder();

        Listener(LinkedBlockingQueue<String> frames, CompletableFuture<Closed> closed, boolean answerPings) {
            this.frames = frames;
            this.closed = closed;
            this.answerPings = answerPings;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                if (answerPings && "2".equals(frame)) {
                    sendText(webSocket, "3");
                }
                frames.add(frame);
            }
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
            closed.complete(new Closed(-1, String.valueOf(error), Instant.now()));
        }
    }
}
