package com.escrowplatform.realtime.gateway.socketio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.escrowplatform.realtime.gateway.ws.FrameWriter;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A websockets-next connection as the transport of an Engine.IO session, kept in the connection's user data
 * for the socket's life. Its text frames go through a {@link FrameWriter}, in order: an event's shared bytes are
 * written as they are, followed by this socket's few bytes (its recovery offset), never copied per socket.
 *
 * <p>{@link #engine} is set once, on the connection's event loop, before any other callback of the connection
 * reads it; websockets-next runs a connection's callbacks on that one event loop.
 */
final class WebSocketTransport implements TextTransport {
    private final Channel channel;
    private final FrameWriter frames;
    private EngineSocket engine;

    WebSocketTransport(WebSocketConnection connection, Channel channel) {
        this.channel = channel;
        this.frames = new FrameWriter(connection, channel);
    }

    EngineSocket engine() {
        return engine;
    }

    void bind(EngineSocket engine) {
        this.engine = engine;
    }

    @Override
    public void sendText(String frame, Runnable written) {
        frames.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8))), written);
    }

    /**
     * The event's shared bytes and this socket's tail as one frame, without copying the shared part: the tail goes in
     * a buffer of the channel's allocator (direct, like a large shared frame), so that Netty writes the whole frame
     * as it is (it copies a frame into a direct buffer unless every part of it is direct).
     */
    @Override
    public void sendEvent(ByteBuffer sharedHead, String tail, Runnable written) {
        ByteBuf socketTail = ByteBufUtil.writeUtf8(channel.alloc(), tail);
        frames.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(sharedHead), socketTail)),
                written);
    }

    @Override
    public void close(int code, String reason) {
        frames.close(new CloseReason(code, reason));
    }
}
