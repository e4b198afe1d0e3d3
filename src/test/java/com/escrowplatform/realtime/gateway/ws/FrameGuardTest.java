package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;

/**
 * FrameGuard's handlers in an embedded pipeline laid out as on a live connection (deflate decoder, rules, UTF-8
 * validator, close on violation, then a stand-in for Vert.x's handler); each case is one the Autobahn|Testsuite
 * found (docs/conformance.md).
 */
class FrameGuardTest {
    static final int LIMIT = 65_536;
    static final int RSV1 = 4;

    /** Vert.x's handler as far as these rules care: it takes frames, and it intercepts a close to send its own. */
    static final class VertxStandIn extends ChannelDuplexHandler {
        final List<WebSocketFrame> frames = new ArrayList<>();
        int closesIntercepted;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            frames.add((WebSocketFrame) msg);
            if (msg instanceof TextWebSocketFrame text) { // websockets-next answers on a later turn of the event loop
                String echo = text.text();
                ctx.executor().execute(() -> ctx.writeAndFlush(new TextWebSocketFrame(echo)));
            }
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            closesIntercepted++; // Vert.x writes a close frame 1000 here and waits for the client's answer
        }
    }

    VertxStandIn vertx;
    EmbeddedChannel channel;

    @AfterEach
    void release() {
        releaseChannel();
    }

    private void releaseChannel() {
        if (channel != null) {
            vertx.frames.forEach(WebSocketFrame::release);
            channel.releaseInbound();
            channel.releaseOutbound();
            channel.close();
        }
    }

    private EmbeddedChannel pipeline(boolean deflate) {
        releaseChannel();
        vertx = new VertxStandIn();
        List<ChannelHandler> handlers = new ArrayList<>();
        if (deflate) {
            handlers.add(FrameGuard.boundedDeflateHandshaker(6, LIMIT)
                    .handshakeExtension(new WebSocketExtensionData("permessage-deflate", Map.of()))
                    .newExtensionDecoder());
        }
        handlers.add(new FrameGuard.FrameRules());
        handlers.add(new Utf8FrameValidator(false));
        handlers.add(new FrameGuard.CloseOnViolation(new SocketFailures(new SimpleMeterRegistry()),
                SocketFailures.Protocol.NATIVE));
        handlers.add(vertx);
        channel = new EmbeddedChannel(handlers.toArray(ChannelHandler[]::new));
        return channel;
    }

    private List<Integer> closeCodesSent() {
        List<Integer> codes = new ArrayList<>();
        for (Object out; (out = channel.readOutbound()) != null;) {
            if (out instanceof CloseWebSocketFrame close) {
                codes.add(close.statusCode());
            }
            ReferenceCountUtil.release(out);
        }
        return codes;
    }

    private static ByteBuf utf8(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    /** Raw deflate with the trailing empty block taken off, as RFC 7692 7.2.1 sends a message. */
    private static ByteBuf deflated(byte[] data) {
        Deflater deflater = new Deflater(6, true);
        deflater.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH)) > 0) {
            out.write(buffer, 0, n);
        }
        deflater.end();
        byte[] bytes = out.toByteArray();
        return Unpooled.wrappedBuffer(Arrays.copyOf(bytes, bytes.length - 4));
    }

    // Autobahn 3.1–3.7: a reserved bit with no extension that defines it fails the connection with 1002.
    @Test
    void shouldCloseWith1002WhenAReservedBitIsSetAndNoExtensionDefinesIt() {
        for (int rsv : new int[] { 1, 2, 4, 7 }) {
            pipeline(false).writeInbound(new TextWebSocketFrame(true, rsv, utf8("Hello, world!")));
            assertThat(closeCodesSent()).as("rsv %d", rsv).containsExactly(1002);
            assertThat(vertx.frames).isEmpty();
        }
        pipeline(true).writeInbound(new PingWebSocketFrame(true, RSV1, utf8("ping"))); // RSV1 is deflate's, on data only
        assertThat(closeCodesSent()).containsExactly(1002);
    }

    // Autobahn 5.1, 6.3.1, 7.3.2 …: one close frame with the refusing code, then the TCP connection closes at once,
    // not through Vert.x (which sent a second close, 1000, and waited for an answer the decoder no longer reads).
    @Test
    void shouldSendOneCloseFrameAndCloseTheConnectionItself() {
        pipeline(false).writeInbound(new TextWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] { (byte) 0xce, (byte) 0xba, (byte) 0xff })));
        assertThat(closeCodesSent()).containsExactly(1007);
        assertThat(channel.isOpen()).isFalse();
        assertThat(vertx.closesIntercepted).isZero();
    }

    // Autobahn 3.2, 4.1.3, 5.15 …: a message accepted before the refused frame is answered before the close frame.
    @Test
    void shouldAnswerWhatWasAcceptedBeforeClosing() {
        pipeline(false).writeInbound(new TextWebSocketFrame("Hello"), new TextWebSocketFrame(true, 2, utf8("Hello")));
        channel.runPendingTasks();
        Object first = channel.readOutbound();
        assertThat(first).isInstanceOf(TextWebSocketFrame.class);
        ReferenceCountUtil.release(first);
        assertThat(closeCodesSent()).containsExactly(1002);
    }

    // What the decoders had already decoded behind a refused frame is not handed to the application.
    @Test
    void shouldPassNothingOnAfterARefusedFrame() {
        pipeline(false);
        channel.pipeline().fireChannelRead(new TextWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] { (byte) 0xff })));
        channel.pipeline().fireChannelRead(new BinaryWebSocketFrame(utf8("after")));
        assertThat(vertx.frames).isEmpty();
    }

    // Autobahn 6.1.2, 6.1.3: a fragmented message whose fragments are all empty is one empty message.
    @Test
    void shouldDeliverAFragmentedMessageOfEmptyFragments() {
        pipeline(false).writeInbound(new TextWebSocketFrame(false, 0, Unpooled.EMPTY_BUFFER),
                new ContinuationWebSocketFrame(false, 0, Unpooled.EMPTY_BUFFER),
                new ContinuationWebSocketFrame(true, 0, Unpooled.EMPTY_BUFFER));
        assertThat(vertx.frames).hasSize(1);
        assertThat(vertx.frames.get(0)).isInstanceOf(TextWebSocketFrame.class);
        assertThat(vertx.frames.get(0).isFinalFragment()).isTrue();
        assertThat(closeCodesSent()).isEmpty();
    }

    // Vert.x routes continuations by what it buffered: after an empty first fragment the next one starts the message.
    @Test
    void shouldStartTheMessageWithTheFirstNonEmptyFragment() {
        pipeline(false).writeInbound(new BinaryWebSocketFrame(false, 0, Unpooled.EMPTY_BUFFER),
                new PingWebSocketFrame(utf8("between")),
                new ContinuationWebSocketFrame(false, 0, utf8("ab")),
                new ContinuationWebSocketFrame(true, 0, utf8("c")));
        assertThat(vertx.frames).extracting(frame -> frame.getClass().getSimpleName())
                .containsExactly("PingWebSocketFrame", "BinaryWebSocketFrame", "ContinuationWebSocketFrame");
        assertThat(vertx.frames.get(1).content().toString(StandardCharsets.UTF_8)).isEqualTo("ab");
    }

    // A compressed message whose first fragment carries no data (RFC 7692 allows it) arrives whole.
    @Test
    void shouldInflateAMessageWhoseCompressedFirstFragmentIsEmpty() {
        pipeline(true).writeInbound(new TextWebSocketFrame(false, RSV1, Unpooled.EMPTY_BUFFER),
                new ContinuationWebSocketFrame(true, 0, deflated("Hello, world!".getBytes(StandardCharsets.UTF_8))));
        assertThat(vertx.frames).hasSize(1);
        assertThat(vertx.frames.get(0)).isInstanceOf(TextWebSocketFrame.class);
        assertThat(((TextWebSocketFrame) vertx.frames.get(0)).text()).isEqualTo("Hello, world!");
        assertThat(closeCodesSent()).isEmpty();
    }

    // A compressed payload that is not deflate data fails the connection with 1002, not a 1011 or a dropped socket.
    @Test
    void shouldCloseWith1002WhenAPayloadCannotBeInflated() {
        pipeline(true).writeInbound(new TextWebSocketFrame(true, RSV1, Unpooled.wrappedBuffer(new byte[] { (byte) 0xff, 0x00, 0x13, 0x37 })));
        assertThat(closeCodesSent()).containsExactly(1002);
        assertThat(vertx.frames).isEmpty();
    }

    // A decompression bomb: a 1 KiB frame that inflates to 1 MiB is refused with 1009 at the frame limit, before
    // the message limit could see it, so one frame never costs more than the limit in memory.
    @Test
    void shouldCloseWith1009WhenAFrameInflatesPastTheLimit() {
        ByteBuf bomb = deflated(new byte[1 << 20]);
        assertThat(bomb.readableBytes()).isLessThan(LIMIT / 16);
        pipeline(true).writeInbound(new BinaryWebSocketFrame(true, RSV1, bomb));
        assertThat(closeCodesSent()).containsExactly(1009);
        assertThat(vertx.frames).isEmpty();
    }

    // Only permessage-deflate (RFC 7692) is negotiated: Vert.x would also accept the deflate-frame drafts.
    @Test
    void shouldOfferNoCompressionButPermessageDeflate() {
        HttpServerOptions options = new HttpServerOptions();
        assertThat(options.getPerFrameWebSocketCompressionSupported()).isTrue();
        FrameGuard.permessageDeflateOnly(options);
        assertThat(options.getPerFrameWebSocketCompressionSupported()).isFalse();
    }
}
