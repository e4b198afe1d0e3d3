package com.escrowplatform.realtime.gateway.socketio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What an Engine.IO session needs of a WebSocket: write one text frame, close. The websockets-next connection
 * in production ({@link WebSocketTransport}); a recording stub in tests, so that the Engine.IO and Socket.IO
 * sockets can be driven packet by packet without a server.
 *
 * <p>Both methods are called from any thread, possibly while the {@link EngineSocket}'s lock is held: they
 * must not block and must not call back into the session on the calling thread.
 */
interface TextTransport {

    /**
     * Queues one text frame after those queued before. {@code written} (may be null) runs exactly once, on any
     * thread, when the frame was written or failed.
     */
    void sendText(String frame, Runnable written);

    /**
     * {@link #sendText} of the frame {@code sharedHead + tail}: {@code sharedHead} is an event's frame in UTF-8,
     * shared by every socket ({@code GatewayEvent.sharedFrame}).
     */
    default void sendEvent(ByteBuffer sharedHead, String tail, Runnable written) {
        sendText(StandardCharsets.UTF_8.decode(sharedHead.duplicate()) + tail, written);
    }

    /** Closes the WebSocket with a close code; asynchronous, idempotent. */
    void close(int code, String reason);
}
