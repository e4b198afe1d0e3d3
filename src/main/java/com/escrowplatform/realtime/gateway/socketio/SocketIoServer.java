package com.escrowplatform.realtime.gateway.socketio;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.gateway.Gateway;
import com.escrowplatform.realtime.gateway.GatewayConfig;
import com.escrowplatform.realtime.gateway.ws.OriginCheck;
import com.escrowplatform.realtime.gateway.ws.SocketFailures;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /socket.io/}: the HTTP side of Engine.IO v4 and the registry of its sessions ({@link EngineSocket}s by sid).
 *
 * <p>Every request to the path passes {@link #route} first: a wrong {@code EIO} version or transport is
 * answered 400 as Engine.IO servers do; a WebSocket upgrade goes on to {@link SocketIoEndpoint}; long-polling
 * is served here, to the Origins {@code escrow.gateway.allowed-origins} allows (else 403, Engine.IO's code 4). Polling sessions live in this instance's memory, so, as with any Socket.IO server,
 * polling clients behind several instances need sticky sessions; WebSocket clients do not.
 *
 * <p>Handlers run on event loops and never block: a poll with nothing to say is parked, not waited for.
 */
@ApplicationScoped
public class SocketIoServer {
    private static final Logger LOG = Logger.getLogger(SocketIoServer.class);
    static final String PATH = "/socket.io/";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder SID_ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SocketIoConfig config;
    private final GatewayConfig gatewayConfig;
    private final Gateway gateway;
    private final SocketIoAuthenticator authenticator;
    private final SocketIoTimers timers;
    private final SocketFailures socketFailures;
    private final RecoveryTokens recovery;
    private final List<String> allowedOrigins;
    /** The open Engine.IO sessions of this instance, by sid. */
    private final ConcurrentHashMap<String, EngineSocket> engineSocketsBySid = new ConcurrentHashMap<>();
    private final AtomicInteger unauthenticatedEngineSockets = new AtomicInteger();
    private final Counter connectTimeouts;
    private final Counter refusedConnects;
    private final Counter refusedConnectCloses;

    @Inject
    SocketIoServer(SocketIoConfig config, GatewayConfig gatewayConfig, Gateway gateway,
            SocketIoAuthenticator authenticator, Vertx vertx, SocketFailures socketFailures, MeterRegistry registry) {
        this(config, gatewayConfig, gateway, authenticator, SocketIoTimers.of(vertx), socketFailures, registry);
    }

    /** With timers of the caller's choosing: tests drive time by hand. */
    SocketIoServer(SocketIoConfig config, GatewayConfig gatewayConfig, Gateway gateway,
            SocketIoAuthenticator authenticator, SocketIoTimers timers, SocketFailures socketFailures,
            MeterRegistry registry) {
        this.config = config;
        this.gatewayConfig = gatewayConfig;
        this.gateway = gateway;
        this.authenticator = authenticator;
        this.timers = timers;
        this.socketFailures = socketFailures;
        this.recovery = config.recoveryEnabled() ? new RecoveryTokens(secret(config)) : null;
        this.allowedOrigins = gatewayConfig.allowedOrigins().orElse(List.of());
        Gauge.builder("escrow.socketio.sessions", engineSocketsBySid, Map::size).description("Open Engine.IO sessions")
                .register(registry);
        Gauge.builder("escrow.socketio.sessions.unauthenticated", unauthenticatedEngineSockets, AtomicInteger::get)
                .description("Open Engine.IO sessions without a connected Socket.IO socket (no valid CONNECT yet)")
                .register(registry);
        connectTimeouts = Counter.builder("escrow.socketio.connect.timeouts")
                .description("Engine.IO sessions closed for not connecting within connect-timeout").register(registry);
        refusedConnects = Counter.builder("escrow.socketio.connects.refused")
                .description("CONNECTs refused (bad or missing token, too many connections) or replaced by a newer one")
                .register(registry);
        refusedConnectCloses = Counter.builder("escrow.socketio.refused.connect.closes")
                .description("Engine.IO sessions closed after max-refused-connects refused CONNECTs").register(registry);
    }

    private static byte[] secret(SocketIoConfig config) {
        if (config.recoverySecret().isPresent()) {
            return config.recoverySecret().get().getBytes(StandardCharsets.UTF_8);
        }
        LOG.warn("escrow.socketio.recovery-secret is not set: Socket.IO clients recover only on the instance they "
                + "left. Give every instance the same secret to let them recover anywhere.");
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    void routes(@Observes Router router) {
        // polling POST bodies are small (at most maxPayload, else 413); read them whole before routing
        router.post(PATH).order(-11).handler(BodyHandler.create(false).setBodyLimit(maxPayload()))
                .failureHandler(this::bodyRefused);
        router.route(PATH).order(-10).handler(this::route);
    }

    /**
     * The body handler answers a POST over maxPayload with 413 itself, before {@link #route} sees it: the session
     * it names ends here, as a WebSocket message over the limit ends its socket (docs/socketio.md).
     */
    private void bodyRefused(RoutingContext context) {
        if (context.statusCode() == 413) {
            EngineSocket engine = sidOf(context).map(engineSocketsBySid::get).orElse(null);
            if (engine != null) {
                engine.close(CloseCodes.POLICY_VIOLATION, "payload too large");
            }
        }
        context.next();
    }

    private static Optional<String> sidOf(RoutingContext context) {
        try {
            return Optional.ofNullable(context.request().getParam("sid"));
        } catch (IllegalArgumentException undecodableQuery) {
            return Optional.empty();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        for (EngineSocket engine : new ArrayList<>(engineSocketsBySid.values())) {
            engine.close(CloseCodes.GOING_AWAY, "server going away");
        }
    }

    private void route(RoutingContext context) {
        if (!config.enabled()) {
            context.next();
            return;
        }
        HttpServerRequest request = context.request();
        PollResponse response = PollResponse.of(context.response());
        if (!"4".equals(request.getParam("EIO"))) {
            response.badRequest(5, "Unsupported protocol version");
            return;
        }
        String transport = request.getParam("transport");
        if ("websocket".equals(transport)) {
            if ("websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
                // Socket.IO authenticates in its CONNECT packet: an identity left on the upgrade would make
                // websockets-next keep the whole upgrade request for the socket's life (UpgradeAuthentication).
                context.remove(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
                context.clearUser();
                context.next();
            } else {
                response.badRequest(3, "Bad request");
            }
            return;
        }
        if (!"polling".equals(transport)) {
            response.badRequest(0, "Transport unknown");
            return;
        }
        if (!OriginCheck.allows(allowedOrigins, request.getHeader(HttpHeaders.ORIGIN))) {
            // the WebSocket transport is refused at its upgrade (OriginCheck); polling answers as Engine.IO servers do
            context.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end("{\"code\":4,\"message\":\"Forbidden\"}");
            return;
        }
        if (!config.pollingEnabled()) {
            response.badRequest(3, "HTTP long-polling is disabled on this server: connect with "
                    + "io(url, { transports: [\"websocket\"], auth: { token } })");
            return;
        }
        String sid = request.getParam("sid");
        if (sid == null) {
            if (request.method() != HttpMethod.GET) {
                response.badRequest(2, "Bad handshake method");
                return;
            }
            response.answer(openPolling().openPacket(), null);
            return;
        }
        EngineSocket engine = engineSocketsBySid.get(sid);
        if (engine == null) {
            response.badRequest(1, "Session ID unknown");
            return;
        }
        // whether the session still polls is decided by the session, atomically with the poll or post
        if (request.method() == HttpMethod.GET) {
            engine.onPoll(response);
        } else if (request.method() == HttpMethod.POST) {
            post(context, engine);
        } else {
            response.badRequest(3, "Bad request");
        }
    }

    private void post(RoutingContext context, EngineSocket engine) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.length() < 12 && Long.parseLong(length.strip()) > maxPayload()) {
            context.response().setStatusCode(413).end();
            engine.close(CloseCodes.POLICY_VIOLATION, "payload too large");
            return;
        }
        String body = context.body().available() ? context.body().asString("UTF-8") : null;
        receive(context, engine, body == null ? "" : body); // an empty body is an empty packet: 400
    }

    private void receive(RoutingContext context, EngineSocket engine, String body) {
        if (body == null || body.length() > maxPayload()) {
            context.response().setStatusCode(413).end();
            engine.close(CloseCodes.POLICY_VIOLATION, "payload too large");
            return;
        }
        engine.onPost(body, PollResponse.of(context.response()));
    }

    // --- for the endpoint and the Engine.IO sockets ---------------------------------------------------------------

    EngineSocket openWebSocket(TextTransport connection) {
        EngineSocket engine = EngineSocket.overWebSocket(this, connection);
        engineSocketsBySid.put(engine.sid, engine);
        return engine;
    }

    /** A new Engine.IO session over long-polling; the handshake GET is answered with its open packet. */
    EngineSocket openPolling() {
        EngineSocket engine = EngineSocket.overPolling(this);
        engineSocketsBySid.put(engine.sid, engine);
        return engine;
    }

    EngineSocket findEngineSocket(String sid) {
        return engineSocketsBySid.get(sid);
    }

    void forget(EngineSocket engine) {
        engineSocketsBySid.remove(engine.sid, engine);
    }

    String newSid() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return SID_ENCODER.encodeToString(bytes);
    }

    String openPacket(String sid, boolean upgradeToWebSocket) {
        return SocketIoPackets.open(sid, upgradeToWebSocket, pingIntervalMillis(), pingTimeoutMillis(), maxPayload());
    }

    long connectTimeoutMillis() {
        return config.connectTimeout().toMillis();
    }

    int maxRefusedConnects() {
        return config.maxRefusedConnects();
    }

    AtomicInteger unauthenticatedEngineSockets() {
        return unauthenticatedEngineSockets;
    }

    Counter connectTimeouts() {
        return connectTimeouts;
    }

    Counter refusedConnects() {
        return refusedConnects;
    }

    Counter refusedConnectCloses() {
        return refusedConnectCloses;
    }

    long pingIntervalMillis() {
        return config.pingInterval().toMillis();
    }

    long pingTimeoutMillis() {
        return config.pingTimeout().toMillis();
    }

    int maxPayload() {
        return gatewayConfig.maxFrameBytes();
    }

    SocketIoTimers timers() {
        return timers;
    }

    SocketFailures socketFailures() {
        return socketFailures;
    }

    Gateway gateway() {
        return gateway;
    }

    SocketIoAuthenticator authenticator() {
        return authenticator;
    }

    /** Null when recovery is off. */
    RecoveryTokens recovery() {
        return recovery;
    }
}
