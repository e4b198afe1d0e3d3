package com.escrowplatform.realtime.gateway.socketio;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.inject.Vetoed;

import com.escrowplatform.realtime.gateway.Gateway;
import com.escrowplatform.realtime.gateway.GatewayConfig;
import com.escrowplatform.realtime.gateway.Hub;
import com.escrowplatform.realtime.gateway.HubLimits;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.kafka.KafkaKeyRoomPartitioner;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.gateway.ws.SocketFailures;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.security.PartyAuthorizer;
import com.escrowplatform.realtime.testsupport.TestTokens;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;

/**
 * The Socket.IO adapter without HTTP, Kafka or a database, for driving {@link EngineSocket} and
 * {@link SocketIoPeer} packet by packet: a real {@link Hub} over an in-memory replay window, the real token
 * verification (the test profile's keys) run on the calling thread, party checks answered from memory, and
 * timers driven by hand. Everything the sockets do happens on the test's thread, before the call returns.
 */
final class StubSocketIoServer {
    static final UUID ESCROW_TOPIC = UUID.fromString("5e5c0000-0000-4000-8000-000000000001");
    static final UUID USER_TOPIC = UUID.fromString("5e5c0000-0000-4000-8000-000000000002");
    /** An escrow whose only party is {@link #BUYER}. */
    static final UUID ESCROW = UUID.fromString("5e5c0000-0000-4000-8000-0000000000e1");
    static final String BUYER = "buyer-1";

    final ManualTimers timers = new ManualTimers(System.currentTimeMillis());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Hub hub;
    final SocketIoServer server;

    StubSocketIoServer(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(Map.of("escrow.socketio.recovery-secret", "a-test-secret-of-32-bytes-at-least"));
        values.putAll(settings);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SocketIoConfig.class)
                .withMapping(GatewayConfig.class).withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build();
        GatewayConfig gatewayConfig = config.getConfigMapping(GatewayConfig.class);
        RoomPartitioner partitioner = new KafkaKeyRoomPartitioner(new KafkaKeyRoomPartitioner.TopicLayout(ESCROW_TOPIC, 2),
                new KafkaKeyRoomPartitioner.TopicLayout(USER_TOPIC, 2));
        hub = new Hub(new InMemoryReplayWindow(partitioner, 1000, 1 << 20), ColdReplay.NONE, partitioner,
                HubLimits.from(gatewayConfig));
        Gateway gateway = new Gateway(hub, new InMemoryParties(), gatewayConfig);
        server = new SocketIoServer(config.getConfigMapping(SocketIoConfig.class), gatewayConfig, gateway,
                new CallingThreadAuthenticator(), timers, new SocketFailures(registry), registry);
    }

    /** A client's WebSocket without a sid: a new Engine.IO session; its open packet is the first frame. */
    RecordingTransport openWebSocket() {
        RecordingTransport transport = new RecordingTransport();
        transport.bind(server.openWebSocket(transport));
        return transport;
    }

    /** An event of {@code escrow:<ESCROW>} at {@code offset}, as the live consumer would publish it. */
    static GatewayEvent escrowEvent(long offset) {
        return new GatewayEvent("escrow:" + ESCROW, new StreamPosition(ESCROW_TOPIC, 0, offset), "ce-" + offset,
                "escrow:status_changed", "{\"version\":" + offset + "}");
    }

    double counter(String name) {
        return registry.get(name).counter().count();
    }

    /** Sessions closed with {@code code} for what their client sent. */
    double protocolCloses(int code) {
        return registry.get("escrow.gateway.protocol.closes").tags("protocol", "socketio", "code", String.valueOf(code))
                .counter().count();
    }

    /** {@link #BUYER} is the one party of {@link #ESCROW}; every other escrow does not exist. */
    @Vetoed // would inherit its parent's bean scope and stand beside it in @QuarkusTest applications
    private static final class InMemoryParties extends PartyAuthorizer {
        InMemoryParties() {
            super(null, null);
        }

        @Override
        public Uni<Decision> mayFollowEscrow(Caller caller, UUID escrowId) {
            if (!ESCROW.equals(escrowId)) {
                return Uni.createFrom().item(Decision.NOT_FOUND);
            }
            return Uni.createFrom().item(BUYER.equals(caller.userId()) ? Decision.ALLOWED : Decision.FORBIDDEN);
        }
    }

    /** The production verification, on the calling thread: the CONNECT is answered before receive() returns. */
    @Vetoed // would inherit its parent's bean scope and stand beside it in @QuarkusTest applications
    private static final class CallingThreadAuthenticator extends SocketIoAuthenticator {
        CallingThreadAuthenticator() {
            super(new DefaultJWTParser(contextInfo()), null);
        }

        private static JWTAuthContextInfo contextInfo() {
            JWTAuthContextInfo info = new JWTAuthContextInfo("dev-keys/jwks.json", TestTokens.ISSUER);
            info.setExpectedAudience(Set.of(TestTokens.AUDIENCE));
            info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256));
            return info;
        }

        @Override
        Future<Verified> verify(String token) {
            try {
                return Future.succeededFuture(verifyNow(token));
            } catch (ParseException e) {
                return Future.failedFuture(e);
            }
        }
    }
}
