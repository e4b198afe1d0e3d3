package com.escrowplatform.realtime.gateway.ws;

import java.nio.charset.StandardCharsets;

import com.escrowplatform.realtime.gateway.Peer;
import com.escrowplatform.realtime.gateway.Subscriber;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A native {@code /ws} socket as the hub sees it. Every text frame (events and replies alike) and the heartbeat's
 * pings go through one {@link FrameWriter}, so they leave in the order they were handed over; each event's write,
 * once done, gives its bytes back to the subscriber's outbound budget.
 */
final class NativePeer implements Peer {
    private final FrameWriter frames;
    /** Set once, right after the hub opened the subscriber and before any subscription exists. */
    private volatile Subscriber subscriber;

    NativePeer(WebSocketConnection connection, Channel channel) {
        this.frames = new FrameWriter(connection, channel);
    }

    void attach(Subscriber opened) {
        this.subscriber = opened;
    }

    @Override
    public void send(GatewayEvent event) {
        // the event's own bytes, wrapped, not copied: Netty only reads them, and every socket shares them
        frames.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(event.nativeFrameBytes())),
                () -> subscriber.writeCompleted(event));
    }

    /** A reply frame (welcome, subscribed, error…): small, rare, outside the event budget. */
    void reply(String frame) {
        frames.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8))), null);
    }

    /** A ping, in the same queue as the frames (its answer, a pong, tells the heartbeat the peer is alive). */
    void ping() {
        frames.write(new PingWebSocketFrame(), null);
    }

    @Override
    public void close(int closeCode, String reason) {
        frames.close(new CloseReason(closeCode, reason));
    }
}
