package com.escrowplatform.realtime.gateway.ws;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Makes the transport refuse a bad frame with a close frame, on every WebSocket endpoint.
 *
 * <p>Netty's frame decoder refuses a single frame over the frame limit ({@code max-frame-size}, wired to
 * {@code escrow.gateway.max-frame-bytes}) as soon as it reads the frame's length, and Vert.x, which configures it
 * not to answer, then drops the TCP connection: the client sees 1006 and no reason. The message limit (fragmented
 * messages) is Vert.x's and reaches {@code @OnError}, which closes with 1009 as it should. Vert.x also hands text
 * messages over as Java strings, decoded with replacement characters, so invalid UTF-8 would never be seen.
 *
 * <p>So before each upgrade this check adds two handlers to the connection's pipeline, in front of Vert.x's
 * ({@code "handler"}); the WebSocket decoder and the deflate decoder are put in front of them during the
 * handshake, so they see whole, inflated frames:
 * <ul>
 * <li>Netty's {@link Utf8FrameValidator}, which refuses text that is not UTF-8 (RFC 6455 8.1: 1007);</li>
 * <li>{@link CloseOnViolation}, which answers any refused frame with a close frame carrying the decoder's close
 * code (1009 too large, 1007 not UTF-8, 1002 malformed) and a reason, then closes the connection.</li>
 * </ul>
 * The handlers run on the connection's event loop; adding them is thread-safe (Netty's pipeline), and this check
 * may run on a worker thread after a blocking token check.
 */
@ApplicationScoped
public class FrameGuard implements HttpUpgradeCheck {
    private static final Logger LOG = Logger.getLogger(FrameGuard.class);
    static final String UTF8_VALIDATOR = "escrow-utf8-validator";
    static final String CLOSE_ON_VIOLATION = "escrow-close-on-violation";
    /** Vert.x's own handler, last in the pipeline. */
    private static final String VERTX_HANDLER = "handler";

    private final SocketFailures failures;

    public FrameGuard(SocketFailures failures) {
        this.failures = failures;
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
            pipeline.addBefore(VERTX_HANDLER, UTF8_VALIDATOR, new Utf8FrameValidator(false));
            pipeline.addBefore(VERTX_HANDLER, CLOSE_ON_VIOLATION, new CloseOnViolation(failures, protocol));
        }
    }

    /** Answers a frame the decoder or the UTF-8 validator refused with a close frame, instead of a dropped connection. */
    static final class CloseOnViolation extends ChannelInboundHandlerAdapter {
        private final SocketFailures failures;
        private final SocketFailures.Protocol protocol;

        CloseOnViolation(SocketFailures failures, SocketFailures.Protocol protocol) {
            this.failures = failures;
            this.protocol = protocol;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof CorruptedWebSocketFrameException corrupted)) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            // Not passed on to Vert.x: it would close the connection at once, before this close frame is written.
            CloseReason reason = SocketFailures.reasonFor(corrupted.closeStatus().code());
            failures.protocolClose(protocol, reason.getCode()).increment();
            LOG.debugf("closing %s with %d: %s", ctx.channel().remoteAddress(), reason.getCode(), cause.getMessage());
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new CloseWebSocketFrame(reason.getCode(), reason.getMessage()))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
