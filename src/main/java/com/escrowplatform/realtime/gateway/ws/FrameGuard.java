package com.escrowplatform.realtime.gateway.ws;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Makes the transport refuse a bad frame with a close frame, on every WebSocket endpoint (RFC 6455 as the
 * Autobahn|Testsuite checks it: docs/conformance.md).
 *
 * <p>Netty's frame decoder refuses a single frame over the frame limit ({@code max-frame-size}, wired to
 * {@code escrow.gateway.max-frame-bytes}) as soon as it reads the frame's length, and Vert.x, which configures it
 * not to answer, then drops the TCP connection: the client sees 1006 and no reason. The message limit (fragmented
 * messages) is Vert.x's and reaches {@code @OnError}, which closes with 1009 as it should. Vert.x also hands text
 * messages over as Java strings, decoded with replacement characters, so invalid UTF-8 would never be seen; it
 * lets reserved bits through whenever any compression is enabled; and it drops the rest of a fragmented message
 * whose first fragment is empty.
 *
 * <p>So before each upgrade this check puts its own handlers into the connection's pipeline, in front of Vert.x's
 * ({@code "handler"}); the WebSocket decoder and the deflate decoder are put in front of them during the
 * handshake, so they see whole, inflated frames:
 * <ul>
 * <li>the extension handler: permessage-deflate only (RFC 7692; Vert.x would also accept the old deflate-frame
 * drafts), with each frame's inflated size bounded by the frame limit, so a small compressed frame cannot make the
 * server allocate megabytes before the message limit is checked;</li>
 * <li>{@link FrameRules}: reserved bits no negotiated extension used (1002), and an empty first fragment;</li>
 * <li>Netty's {@link Utf8FrameValidator}, which refuses text that is not UTF-8 (RFC 6455 8.1: 1007);</li>
 * <li>{@link CloseOnViolation}, which answers any refused frame with a close frame carrying its close code (1009 too
 * large, 1007 not UTF-8, 1002 malformed) and a reason, then closes the connection.</li>
 * </ul>
 * The handlers run on the connection's event loop; adding them is thread-safe (Netty's pipeline), and this check
 * may run on a worker thread after a blocking token check.
 */
@ApplicationScoped
public class FrameGuard implements HttpUpgradeCheck, HttpServerOptionsCustomizer {
    private static final Logger LOG = Logger.getLogger(FrameGuard.class);
    static final String FRAME_RULES = "escrow-frame-rules";
    static final String UTF8_VALIDATOR = "escrow-utf8-validator";
    static final String CLOSE_ON_VIOLATION = "escrow-close-on-violation";
    /** Vert.x's own handler, last in the pipeline. */
    private static final String VERTX_HANDLER = "handler";
    /** Where Vert.x puts its extension handler when compression is on; the handshake replaces it with the codec. */
    private static final String VERTX_EXTENSIONS = "webSocketExtensionHandler";
    private static final int DEFAULT_COMPRESSION_LEVEL = HttpServerOptions.DEFAULT_WEBSOCKET_COMPRESSION_LEVEL;

    private final SocketFailures failures;
    private final int maxFrameBytes;
    private final boolean deflate;
    private final int compressionLevel;

    public FrameGuard(SocketFailures failures, GatewayConfig config,
            @ConfigProperty(name = "quarkus.websockets-next.server.per-message-compression-supported", defaultValue = "true") boolean deflate,
            @ConfigProperty(name = "quarkus.websockets-next.server.compression-level") Optional<Integer> compressionLevel) {
        this.failures = failures;
        this.maxFrameBytes = config.maxFrameBytes();
        this.deflate = deflate;
        this.compressionLevel = compressionLevel.orElse(DEFAULT_COMPRESSION_LEVEL);
    }

    /** Compression is permessage-deflate or nothing: Vert.x offers the deflate-frame drafts unless told not to. */
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        permessageDeflateOnly(options);
    }

    static void permessageDeflateOnly(HttpServerOptions options) {
        options.setPerFrameWebSocketCompressionSupported(false);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        install(context.httpRequest().connection(), SocketFailures.Protocol.ofEndpoint(context.endpointId()));
        return CheckResult.permitUpgrade();
    }

    private void install(HttpConnection connection, SocketFailures.Protocol protocol) {
        if (!(connection instanceof ConnectionBase base)) {
            LOG.debugf("no frame guard on %s: not an HTTP/1.1 connection", connection);
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        synchronized (pipeline) { // one upgrade per connection; a refused one may be retried on the same connection
            if (pipeline.get(CLOSE_ON_VIOLATION) != null || pipeline.get(VERTX_HANDLER) == null) {
                return;
            }
            if (deflate && pipeline.get(VERTX_EXTENSIONS) != null) {
                pipeline.replace(VERTX_EXTENSIONS, VERTX_EXTENSIONS, boundedDeflate(compressionLevel, maxFrameBytes));
            }
            pipeline.addBefore(VERTX_HANDLER, FRAME_RULES, new FrameRules());
            pipeline.addBefore(VERTX_HANDLER, UTF8_VALIDATOR, new Utf8FrameValidator(false));
            pipeline.addBefore(VERTX_HANDLER, CLOSE_ON_VIOLATION, new CloseOnViolation(failures, protocol));
        }
    }

    /** Vert.x's permessage-deflate settings, plus a bound on what one frame may inflate to. */
    static WebSocketServerExtensionHandler boundedDeflate(int compressionLevel, int maxFrameBytes) {
        return new WebSocketServerExtensionHandler(boundedDeflateHandshaker(compressionLevel, maxFrameBytes));
    }

    static PerMessageDeflateServerExtensionHandshaker boundedDeflateHandshaker(int compressionLevel, int maxFrameBytes) {
        return new PerMessageDeflateServerExtensionHandshaker(compressionLevel,
                ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(), PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE,
                HttpServerOptions.DEFAULT_WEBSOCKET_ALLOW_SERVER_NO_CONTEXT,
                HttpServerOptions.DEFAULT_WEBSOCKET_PREFERRED_CLIENT_NO_CONTEXT, maxFrameBytes);
    }

    /**
     * RFC 6455 5.2: a reserved bit that no negotiated extension defines fails the connection. The deflate decoder in
     * front clears RSV1 on the frames it inflated, so any bit still set here is one nobody negotiated.
     *
     * <p>Vert.x routes a continuation frame to the text or binary message by what it has buffered so far, so the
     * rest of a message whose first fragment is empty (or inflated to nothing) would be dropped: the empty first
     * fragment is held back and the next non-empty fragment (or the last) is passed on as the message's first.
     * One connection's event loop only.
     */
    static final class FrameRules extends ChannelInboundHandlerAdapter {
        /** The type of a fragmented message whose fragments so far were all empty, or null. */
        private Class<? extends WebSocketFrame> heldStart;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof WebSocketFrame frame)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (frame.rsv() != 0) {
                int rsv = frame.rsv();
                frame.release();
                ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                        "reserved bits " + rsv + " set and no extension negotiated that defines them"));
                return;
            }
            boolean start = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
            if (start && !frame.isFinalFragment() && !frame.content().isReadable()) {
                heldStart = frame.getClass();
                frame.release();
                return;
            }
            if (heldStart != null && frame instanceof ContinuationWebSocketFrame) {
                if (!frame.isFinalFragment() && !frame.content().isReadable()) {
                    frame.release();
                    return;
                }
                WebSocketFrame first = heldStart == TextWebSocketFrame.class
                        ? new TextWebSocketFrame(frame.isFinalFragment(), 0, frame.content())
                        : new BinaryWebSocketFrame(frame.isFinalFragment(), 0, frame.content());
                heldStart = null;
                ctx.fireChannelRead(first);
                return;
            }
            ctx.fireChannelRead(frame);
        }
    }

    /**
     * Answers a frame the decoders or the rules refused with a close frame, then closes the TCP connection, and
     * passes nothing more on. The connection is closed here, in front of Vert.x: a close through Vert.x would send a
     * second close frame (1000) and wait for the client's answer, which the refusing decoder no longer reads.
     * One connection's event loop only.
     */
    static final class CloseOnViolation extends ChannelInboundHandlerAdapter {
        private final SocketFailures failures;
        private final SocketFailures.Protocol protocol;
        private boolean failed;

        CloseOnViolation(SocketFailures failures, SocketFailures.Protocol protocol) {
            this.failures = failures;
            this.protocol = protocol;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (failed) {
                ReferenceCountUtil.release(msg); // frames already decoded behind the refused one
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            int code = closeCodeFor(cause);
            if (code < 0) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            // Not passed on to Vert.x: it would close the connection at once, before this close frame is written.
            if (failed) {
                return;
            }
            failed = true;
            CloseReason reason = SocketFailures.reasonFor(code);
            failures.protocolClose(protocol, code).increment();
            LOG.debugf("closing %s with %d: %s", ctx.channel().remoteAddress(), code, cause.getMessage());
            // Behind the tasks already queued on this event loop: the answers to messages accepted before the refused
            // frame go out first (RFC 6455 lets a server fail at once; the testsuite rates that NON-STRICT).
            ctx.executor().execute(() -> {
                if (ctx.channel().isActive()) {
                    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason.getMessage())).addListener(written -> ctx.close());
                }
            });
        }

        /** The close code for a frame refused by a decoder, or -1 for any other failure. */
        static int closeCodeFor(Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException corrupted) {
                return corrupted.closeStatus().code();
            }
            if (cause instanceof DecoderException) { // the deflate decoder: over the inflate bound, or not deflate data
                return String.valueOf(cause.getMessage()).contains("maximum size")
                        ? CloseCodes.MESSAGE_TOO_BIG
                        : CloseCodes.PROTOCOL_ERROR;
            }
            return -1;
        }
    }
}
