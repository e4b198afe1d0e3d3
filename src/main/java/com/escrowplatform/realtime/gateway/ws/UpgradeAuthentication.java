package com.escrowplatform.realtime.gateway.ws;

import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.escrowplatform.realtime.web.Problem;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates every upgrade to {@code /ws}, and answers one without a valid token with the REST calls' 401
 * problem (code {@code unauthorized}, {@code WWW-Authenticate: Bearer}), whether the token is missing or fails
 * verification.
 *
 * <p>Left to itself, the upgrade's two failures answered differently, and one of them twice: no token was an
 * empty 401 from websockets-next's security check; a bad token made the deferred identity call the request's
 * auth-failure handler (which writes a 401), then websockets-next failed the request with the same exception,
 * whose failure handler wrote again ("Response has already been written", an ERROR with a stack trace per
 * attempt). Here the identity is resolved first, once, and the only answer to a refusal is written here.
 *
 * <p>Why the socket keeps a {@link VerifiedCaller} and not the identity: websockets-next keeps, for the life of a
 * socket whose upgrade carried an identity, the whole upgrade request (its routing context, headers with the
 * token, the deferred identity's pipeline, the parsed JWT: several KiB a socket, measured). So once the token is
 * verified, the filter takes the identity and the token off the request and hands the few facts a socket needs
 * ({@code sub}, the support role, {@code exp}) to {@link #perform}, through a request header that only this
 * instance writes (one a client sends is removed first). The check moves them into the connection's user data.
 * The endpoint itself is not {@code @Authenticated}: this filter is its authentication, and an upgrade the
 * check finds no verified caller on is refused (fail closed).
 */
@ApplicationScoped
public class UpgradeAuthentication implements HttpUpgradeCheck {
    private static final Logger LOG = Logger.getLogger(UpgradeAuthentication.class);
    static final String PATH = "/ws";
    /** After the authentication filter (priority 200) put the deferred identity, before the endpoint's route. */
    static final int PRIORITY = 190;
    private static final BiConsumer<RoutingContext, Throwable> ANSWERED_HERE = (ctx, failure) -> {
    };
    /** Filter to check, within this instance: never accepted from a client. */
    static final String VERIFIED_CALLER_HEADER = "x-escrow-verified-caller";
    /** The socket's verified caller, in the connection's user data from the upgrade on. */
    static final TypedKey<VerifiedCaller> CALLER = new TypedKey<>("escrow.caller");

    private final byte[] problem;
    private final SocketFailures failures;

    public UpgradeAuthentication(SocketFailures failures) throws JsonProcessingException {
        this.failures = failures;
        this.problem = new ObjectMapper().writeValueAsBytes(
                Problem.of(401, "unauthorized", "Unauthorized", "A valid bearer token is required."));
    }

    void register(@Observes Filters filters) {
        filters.register(this::authenticate, PRIORITY);
    }

    private void authenticate(RoutingContext ctx) {
        if (!PATH.equals(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        ctx.request().headers().remove(VERIFIED_CALLER_HEADER); // only this filter may set it
        Uni<SecurityIdentity> deferred = ctx.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        if (deferred == null || !isUpgrade(ctx)) {
            ctx.next();
            return;
        }
        ctx.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, ANSWERED_HERE);
        Context eventLoop = Vertx.currentContext();
        deferred.subscribe().with(
                identity -> eventLoop.runOnContext(v -> {
                    if (identity == null || identity.isAnonymous()) {
                        refuse(ctx, "no token");
                    } else {
                        handOver(ctx, identity);
                    }
                }),
                failure -> eventLoop.runOnContext(v -> refuse(ctx, failure.toString())));
    }

    /** Keeps what the socket needs and drops what websockets-next would otherwise keep for the socket's life. */
    private static void handOver(RoutingContext ctx, SecurityIdentity identity) {
        VerifiedCaller verified = VerifiedCaller.of(identity);
        ctx.remove(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        ctx.clearUser();
        ctx.request().headers().remove(HttpHeaders.AUTHORIZATION);
        ctx.request().headers().set(VERIFIED_CALLER_HEADER, verified.encode());
        ctx.next();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return NativeEndpoint.ENDPOINT_ID.equals(endpointId);
    }

    /** Moves the verified caller from the filter's header into the user data. */
    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String verified = context.httpRequest().headers().get(VERIFIED_CALLER_HEADER);
        if (verified == null) {
            failures.refusedUpgrade(401).increment();
            return CheckResult.rejectUpgrade(401); // not past the filter: cannot happen, refused all the same
        }
        context.httpRequest().headers().remove(VERIFIED_CALLER_HEADER);
        context.userData().put(CALLER, VerifiedCaller.decode(verified));
        return CheckResult.permitUpgrade();
    }

    private void refuse(RoutingContext ctx, String why) {
        failures.refusedUpgrade(401).increment();
        LOG.debugf("upgrade to %s refused with 401: %s", PATH, why);
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(401)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader("WWW-Authenticate", "Bearer")
                .end(Buffer.buffer(problem));
    }

    /** What websockets-next would upgrade: it looks for the key, Vert.x for the Upgrade header. */
    private static boolean isUpgrade(RoutingContext ctx) {
        String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
        return upgrade != null && upgrade.equalsIgnoreCase("websocket")
                || ctx.request().getHeader("Sec-WebSocket-Key") != null;
    }
}
