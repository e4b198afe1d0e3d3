package com.escrowplatform.realtime.gateway.ws;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.http.HttpClosedException;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.SocketProtocol;

/**
 * What clients do wrong on the wire, for both endpoints ({@code /ws}, {@code /socket.io/}): each failure becomes
 * a close code (docs/errors.md) and a counter, and is logged at DEBUG. Clients misbehave all day (oversized
 * frames, bad tokens, vanishing without a close frame); an operator's log is for what the operator must act on,
 * so only a fault of ours (1011) is a WARN.
 *
 * <p>Metrics: {@code escrow.gateway.protocol.closes{code,protocol}} (sockets we closed for what the client sent),
 * {@code escrow.gateway.disconnects.abrupt{protocol}} (sockets that ended without a closing handshake: the client
 * vanished, or did not answer our close), {@code escrow.gateway.upgrades.refused{status}} (upgrades refused before a
 * socket existed: 401 on {@code /ws}, 403 from a disallowed Origin on either endpoint). Created at start-up with a
 * series at 0 for each protocol and each code it uses,
 * so that all of them are in the first scrape, whichever protocol an instance serves. Thread-safe: called from event
 * loops.
 */
@Startup
@ApplicationScoped
public class SocketFailures {
    private static final Logger LOG = Logger.getLogger(SocketFailures.class);

    /** The protocol of a socket: the {@code protocol} tag, and the close codes it uses for what a client sent. */
    public enum Protocol {
        NATIVE(SocketProtocol.NATIVE, CloseCodes.PROTOCOL_ERROR, CloseCodes.INVALID_PAYLOAD,
                CloseCodes.MESSAGE_TOO_BIG),
        SOCKETIO(SocketProtocol.SOCKETIO, CloseCodes.PROTOCOL_ERROR, CloseCodes.UNSUPPORTED_DATA,
                CloseCodes.INVALID_PAYLOAD, CloseCodes.MESSAGE_TOO_BIG);

        final String tag;
        private final int[] closeCodes;

        Protocol(SocketProtocol protocol, int... closeCodes) {
            this.tag = protocol.tag();
            this.closeCodes = closeCodes;
        }

        /** The protocol of a WebSocket endpoint of this service: {@link NativeEndpoint}'s, or else Socket.IO's. */
        static Protocol ofEndpoint(String endpointId) {
            return NativeEndpoint.ENDPOINT_ID.equals(endpointId) ? NATIVE : SOCKETIO;
        }
    }

    private final MeterRegistry registry;
    private final Map<Protocol, Counter> abrupt = new EnumMap<>(Protocol.class);
    private final Map<Protocol, ConcurrentMap<Integer, Counter>> closes = new EnumMap<>(Protocol.class);
    private final ConcurrentMap<Integer, Counter> refusedUpgrades = new ConcurrentHashMap<>();

    public SocketFailures(MeterRegistry registry) {
        this.registry = registry;
        for (Protocol protocol : Protocol.values()) {
            abrupt.put(protocol, Counter.builder("escrow.gateway.disconnects.abrupt")
                    .description("Sockets that ended without a closing handshake, by protocol")
                    .tag("protocol", protocol.tag).register(registry));
            closes.put(protocol, new ConcurrentHashMap<>());
            for (int code : protocol.closeCodes) {
                protocolClose(protocol, code);
            }
        }
        refusedUpgrade(401);
        refusedUpgrade(403);
    }

    /**
     * The close to answer an {@code @OnError} with, or none when the socket is gone already (the client
     * vanished: counted, and nothing left to close). A close for what the client sent is counted here.
     */
    public Optional<CloseReason> onError(Throwable failure, WebSocketConnection connection, Protocol protocol) {
        if (failure instanceof HttpClosedException) {
            abrupt.get(protocol).increment();
            LOG.debugf("socket %s ended without a close frame", connection.id());
            return Optional.empty();
        }
        if (connection.isClosed() || failure instanceof IOException) {
            LOG.debugf("socket %s failed after it closed: %s", connection.id(), failure.toString());
            return Optional.empty();
        }
        CloseReason reason = closeReasonFor(failure);
        if (reason.getCode() == CloseCodes.INTERNAL_ERROR) {
            LOG.warnf("socket %s closed with 1011: %s", connection.id(), failure.toString());
        } else {
            protocolClose(protocol, reason.getCode()).increment();
            LOG.debugf("socket %s closed with %d: %s", connection.id(), reason.getCode(), failure.toString());
        }
        return Optional.of(reason);
    }

    /** 1009 for a message over the size limit (Vert.x reports it as a failure), a broken frame's own code, else 1011. */
    static CloseReason closeReasonFor(Throwable failure) {
        if (failure instanceof CorruptedWebSocketFrameException corrupted) {
            return reasonFor(corrupted.closeStatus().code());
        }
        if (failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).contains("max message size")) {
            return reasonFor(CloseCodes.MESSAGE_TOO_BIG);
        }
        return new CloseReason(CloseCodes.INTERNAL_ERROR, "internal error");
    }

    /** The reason text sent with each close code we use for a client's frames. */
    static CloseReason reasonFor(int code) {
        return switch (code) {
            case CloseCodes.MESSAGE_TOO_BIG -> new CloseReason(code, "message too large");
            case CloseCodes.INVALID_PAYLOAD -> new CloseReason(code, "text is not valid UTF-8");
            default -> new CloseReason(code, "protocol error");
        };
    }

    /** Counts a socket closed for what its client sent, by protocol and close code. */
    public Counter protocolClose(Protocol protocol, int code) {
        return closes.get(protocol).computeIfAbsent(code, c -> Counter.builder("escrow.gateway.protocol.closes")
                .description("Sockets closed for what their client sent, by protocol and close code")
                .tag("protocol", protocol.tag).tag("code", String.valueOf(c)).register(registry));
    }

    /** Counts an upgrade refused before a socket existed, by HTTP status. */
    Counter refusedUpgrade(int status) {
        return refusedUpgrades.computeIfAbsent(status, s -> Counter.builder("escrow.gateway.upgrades.refused")
                .description("WebSocket upgrades refused, by HTTP status")
                .tag("status", String.valueOf(s)).register(registry));
    }
}
