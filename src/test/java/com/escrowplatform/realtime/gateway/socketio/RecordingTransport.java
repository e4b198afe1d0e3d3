package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A stub WebSocket: records the text frames it is handed, in order, and completes each write at once. The
 * test reads frames with {@link #next()} and plays the client with {@link #receive(String)}.
 */
final class RecordingTransport implements TextTransport {

    private final ArrayDeque<String> unread = new ArrayDeque<>();
    private final List<String> sent = new ArrayList<>();
    private EngineSocket engine;
    private Integer closeCode;
    private String closeReason;

    void bind(EngineSocket engine) {
        this.engine = engine;
    }

    EngineSocket engine() {
        return engine;
    }

    /** A text frame from the client. */
    void receive(String text) {
        engine.onWebSocketText(this, text);
    }

    @Override
    public synchronized void sendText(String frame, Runnable written) {
        unread.add(frame);
        sent.add(frame);
        if (written != null) {
            written.run();
        }
    }

    @Override
    public synchronized void close(int code, String reason) {
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
    }

    /** The oldest frame not read yet; fails when there is none. */
    synchronized String next() {
        String frame = unread.poll();
        if (frame == null) {
            throw new AssertionError("no frame was sent; all sent: " + sent);
        }
        return frame;
    }

    synchronized List<String> unread() {
        return List.copyOf(unread);
    }

    synchronized Integer closeCode() {
        return closeCode;
    }

    synchronized String closeReason() {
        return closeReason;
    }
}
