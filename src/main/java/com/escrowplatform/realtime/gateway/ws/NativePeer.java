package com.escrowplatform.realtime.gateway.ws;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import com.escrowplatform.realtime.gateway.Peer;
import com.escrowplatform.realtime.gateway.Subscriber;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A native {@code /ws} socket as the hub sees it. Writes are handed to the socket's event loop and never
 * awaited: each write's completion gives its bytes back to the subscriber's outbound budget.
 *
 * <h2>Why frames go to the channel, not through {@code WebSocketConnection.sendText}</h2>
 * websockets-next's send builds a Mutiny pipeline per frame, whose context propagation captures every thread
 * context, and a Vert.x future converted to a completion stage: measured, about as much CPU as the write itself,
 * on the live consumer's thread, for each socket an event goes to. So every text frame of this socket (events and
 * replies alike) is written to the connection's Netty channel as a {@link TextWebSocketFrame}, through the
 * WebSocket encoder Vert.x installed at the upgrade, and so are the heartbeat's pings. Pongs and the close
 * handshake stay Vert.x's.
 *
 * <h2>Order and the close handshake</h2>
 * Every frame is queued as a task on the channel's event loop, even when written from it, so the socket's frames
 * leave in the order they were handed over, whichever thread hands them (the hub's subscription lock orders a
 * room's frames; the queue keeps that order). The task writes only while Vert.x has neither sent nor received a
 * close frame ({@link WebSocketConnection#isClosed()}, read on the event loop, which is where Vert.x writes its
 * close frame): no data frame ever follows a close. The last queued task flushes, so a burst costs one flush.
 */
final class NativePeer implements Peer {
    private static final AtomicIntegerFieldUpdater<NativePeer> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(NativePeer.class, "queued");

    private final WebSocketConnection connection;
    private final Channel channel;
    /** Set once, right after the hub opened the subscriber and before any subscription exists. */
    private volatile Subscriber subscriber;
    /** Frames queued on the event loop and not yet written. */
    private volatile int queued;

    NativePeer(WebSocketConnection connection, Channel channel) {
        this.connection = connection;
        this.channel = channel;
    }

    void attach(Subscriber opened) {
        this.subscriber = opened;
    }

    @Override
    public void send(GatewayEvent event) {
        write(text(event.nativeFrame()), event);
    }

    /** A reply frame (welcome, subscribed, error…): small, rare, outside the event budget. */
    void reply(String frame) {
        write(text(frame), null);
    }

    /** A ping, in the same queue as the frames (its answer, a pong, tells the heartbeat the peer is alive). */
    void ping() {
        write(new PingWebSocketFrame(), null);
    }

    @Override
    public void close(int closeCode, String reason) {
        connection.close(new CloseReason(closeCode, reason)).subscribe().with(closed -> {
        }, failed -> {
        });
    }

    private static TextWebSocketFrame text(String text) {
        return new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Queues the frame on the event loop; for an event, its bytes return to the budget when written or dropped. */
    private void write(WebSocketFrame frame, GatewayEvent event) {
        QUEUED.incrementAndGet(this);
        channel.eventLoop().execute(() -> {
            boolean last = QUEUED.decrementAndGet(this) == 0;
            if (!connection.isClosed()) {
                ChannelPromise promise = event == null ? channel.voidPromise()
                        : channel.newPromise().addListener(done -> subscriber.writeCompleted(event));
                channel.write(frame, promise);
            } else {
                frame.release();
                if (event != null) {
                    subscriber.writeCompleted(event);
                }
            }
            if (last) {
                channel.flush();
            }
        });
    }
}
