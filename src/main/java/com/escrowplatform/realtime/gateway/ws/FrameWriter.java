package com.escrowplatform.realtime.gateway.ws;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * Writes a WebSocket's frames, from any thread, in the order they are handed over, straight to its Netty channel
 * (through the WebSocket encoder Vert.x installed at the upgrade), never waiting for the write.
 *
 * <h2>Why not {@code WebSocketConnection.sendText}</h2>
 * websockets-next's send builds a Mutiny pipeline per frame, whose context propagation captures every thread
 * context, and converts a Vert.x future to a completion stage: measured, about as much CPU as the write itself, on
 * the live consumer's thread, for each socket an event goes to. It also takes a String, which Vert.x copies into
 * bytes per socket: an event's frame, which every socket can share, would be in the heap once per socket it is
 * queued for (a thousand slow readers of a 64 KiB event: 64 MiB).
 *
 * <h2>Order and the close handshake</h2>
 * Every frame is queued as a task on the channel's event loop, even when written from it, so the socket's frames
 * leave in the order they were handed over, whichever thread hands them. The task writes only while Vert.x has
 * neither sent nor received a close frame ({@link WebSocketConnection#isClosed()}, read on the event loop, which is
 * where Vert.x writes its close frame): no data frame ever follows a close. A close handed over here ({@link #close})
 * waits in the same queue, so it follows the frames handed over before it. The last queued task flushes, so a burst
 * costs one flush. Pongs and the rest of the close handshake stay Vert.x's.
 */
public final class FrameWriter {
    private static final AtomicIntegerFieldUpdater<FrameWriter> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(FrameWriter.class, "queued");

    private final WebSocketConnection connection;
    private final Channel channel;
    /** Frames queued on the event loop and not yet written. */
    private volatile int queued;

    public FrameWriter(WebSocketConnection connection, Channel channel) {
        this.connection = connection;
        this.channel = channel;
    }

    /**
     * Queues {@code frame} after every frame handed over before it. {@code written} (may be null) runs exactly once,
     * on the event loop, when the frame was written, failed, or was dropped because the socket is closing.
     */
    public void write(WebSocketFrame frame, Runnable written) {
        QUEUED.incrementAndGet(this);
        channel.eventLoop().execute(() -> {
            boolean last = QUEUED.decrementAndGet(this) == 0;
            if (!connection.isClosed()) {
                ChannelPromise promise = written == null ? channel.voidPromise()
                        : channel.newPromise().addListener(done -> written.run());
                channel.write(frame, promise);
            } else {
                frame.release();
                if (written != null) {
                    written.run();
                }
            }
            if (last) {
                channel.flush();
            }
        });
    }

    /**
     * Closes the WebSocket (Vert.x's close handshake) once every frame handed over before has been written: a
     * refusal or an error frame followed by a close reaches the client before the close.
     */
    public void close(CloseReason reason) {
        QUEUED.incrementAndGet(this);
        channel.eventLoop().execute(() -> {
            QUEUED.decrementAndGet(this);
            channel.flush();
            Connections.closeQuietly(connection, reason);
        });
    }
}
