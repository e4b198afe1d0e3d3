package com.escrowplatform.realtime.gateway.ws;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.Gateway;
import com.escrowplatform.realtime.gateway.SocketProtocol;
import com.escrowplatform.realtime.gateway.Subscriber;
import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.ws.NativeFrames.ClientFrame;
import com.escrowplatform.realtime.gateway.ws.NativeFrames.RefusedFrame;
import com.escrowplatform.realtime.security.Caller;

import io.netty.channel.Channel;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/**
 * The native protocol, {@code GET /ws} (CONTRACT 5). The upgrade is authenticated before a socket exists
 * (no or bad token: HTTP 401) by {@link UpgradeAuthentication}, which leaves the socket its
 * {@link VerifiedCaller}; pings, dead peers and token expiry are {@link NativeHeartbeat}'s; everything else is
 * the shared {@link Gateway}. Callbacks run on the connection's event loop and never block: replies and events
 * are written without waiting.
 */
@WebSocket(path = "/ws", endpointId = NativeEndpoint.ENDPOINT_ID)
public class NativeEndpoint {
    private static final Logger LOG = Logger.getLogger(NativeEndpoint.class);
    static final String ENDPOINT_ID = "escrow-native";
    static final TypedKey<NativeConnection> STATE = new TypedKey<>("escrow.native");

    /** What one socket needs across callbacks. */
    static final class NativeConnection {
        final NativePeer peer;
        final Caller caller;
        final Subscriber subscriber;
        /** Epoch seconds, or {@link VerifiedCaller#NO_EXPIRY}. */
        final long expiresAtEpochSecond;
        volatile long lastHeardNanos = System.nanoTime();
        /** Heartbeat thread only. */
        long lastPingNanos = lastHeardNanos;
        /** The expiry close has its timer: set at open, before the state is published, or by the heartbeat thread. */
        boolean expiryScheduled;

        NativeConnection(NativePeer peer, VerifiedCaller verified, Subscriber subscriber) {
            this.peer = peer;
            this.caller = verified.caller();
            this.expiresAtEpochSecond = verified.expiresAtEpochSecond();
            this.subscriber = subscriber;
        }
    }

    @Inject
    Gateway gateway;

    @Inject
    SocketFailures failures;

    @Inject
    NativeHeartbeat heartbeat;

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        VerifiedCaller verified = connection.userData().remove(UpgradeAuthentication.CALLER);
        Channel channel = connection.userData().remove(UpgradedChannel.KEY);
        if (verified == null || channel == null) {
            // the upgrade check lets none through without both: fail closed
            Connections.closeQuietly(connection, new CloseReason(CloseCodes.POLICY_VIOLATION, "not authenticated"));
            return;
        }
        NativePeer peer = new NativePeer(connection, channel);
        Caller caller = verified.caller();
        Optional<Subscriber> subscriber = gateway.open(peer, caller, SocketProtocol.NATIVE);
        if (subscriber.isEmpty()) {
            peer.close(CloseCodes.POLICY_VIOLATION, "too many connections for this user");
            return;
        }
        peer.attach(subscriber.get());
        NativeConnection state = new NativeConnection(peer, verified, subscriber.get());
        heartbeat.opened(connection, state);
        connection.userData().put(STATE, state);
        peer.reply(NativeFrames.welcome(connection.id(), caller.userId(),
                verified.expires() ? Instant.ofEpochSecond(verified.expiresAtEpochSecond()).toString() : null));
        gateway.joinOwnRoom(subscriber.get(), caller);
    }

    @OnTextMessage
    @NonBlocking
    void message(String text, WebSocketConnection connection) {
        NativeConnection state = connection.userData().get(STATE);
        if (state == null) {
            return;
        }
        state.lastHeardNanos = System.nanoTime();
        ClientFrame frame;
        try {
            frame = NativeFrames.parse(text);
        } catch (RefusedFrame refused) {
            state.peer.reply(NativeFrames.error(refused.code(), refused.getMessage(), refused.ref));
            return;
        }
        if ("unsubscribe".equals(frame.op())) {
            gateway.unsubscribe(state.subscriber, frame.room());
            state.peer.reply(NativeFrames.unsubscribed(frame.room(), frame.ref()));
            return;
        }
        gateway.subscribe(state.subscriber, state.caller, frame.room(), frame.lastEventId(),
                subscribed -> state.peer.reply(NativeFrames.subscribed(subscribed, frame.ref())))
                .whenComplete((subscribed, failure) -> {
                    if (failure != null) {
                        refuse(state, failure, frame);
                    }
                });
    }

    @OnPongMessage
    @NonBlocking
    void pong(Buffer data, WebSocketConnection connection) {
        NativeConnection state = connection.userData().get(STATE);
        if (state != null) {
            state.lastHeardNanos = System.nanoTime();
        }
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        release(connection, gateway);
    }

    /**
     * Frees the socket's hub subscriber and its caller's connection slot, once: at its close, or earlier when the
     * heartbeat gives up on a dead peer, whose close handshake would wait for an answer that never comes.
     */
    static void release(WebSocketConnection connection, Gateway gateway) {
        NativeConnection state = connection.userData().remove(STATE);
        if (state != null) {
            gateway.close(state.subscriber, state.caller);
        }
    }

    @OnError
    @NonBlocking
    void error(Throwable failure, WebSocketConnection connection) {
        failures.onError(failure, connection, SocketFailures.Protocol.NATIVE)
                .ifPresent(reason -> Connections.closeQuietly(connection, reason));
    }

    private static void refuse(NativeConnection state, Throwable failure, ClientFrame frame) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof java.util.concurrent.CancellationException) {
            return; // the socket closed or left the room while subscribing: nobody to answer
        }
        if (cause instanceof GatewayException refused) {
            state.peer.reply(NativeFrames.error(refused.code(), refused.getMessage(), frame.ref()));
        } else {
            LOG.warnf("subscribe to %s failed: %s", frame.room(), cause.toString());
            state.peer.reply(NativeFrames.error(ErrorCode.BAD_REQUEST, "the subscription failed; retry", frame.ref()));
        }
    }
}
