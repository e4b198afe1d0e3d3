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
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers an upgrade to {@code /ws} without a valid token with the REST calls' 401 problem (code
 * {@code unauthorized}, {@code WWW-Authenticate: Bearer}), whether the token is missing or fails verification.
 *
 * <p>Left to itself, the upgrade's two failures answered differently, and one of them twice: no token was an
 * empty 401 from websockets-next's security check; a bad token made the deferred identity call the request's
 * auth-failure handler (which writes a 401), then websockets-next failed the request with the same exception,
 * whose failure handler wrote again ("Response has already been written", an ERROR with a stack trace per
 * attempt). Here the identity is resolved first, once, and the only answer to a refusal is written here; an
 * authenticated upgrade goes on to websockets-next, whose check then finds the identity already resolved.
 */
@ApplicationScoped
public class UpgradeAuthentication {
    private static final Logger LOG = Logger.getLogger(UpgradeAuthentication.class);
    static final String PATH = "/ws";
    /** After the authentication filter (priority 200) put the deferred identity, before the endpoint's route. */
    static final int PRIORITY = 190;
    private static final BiConsumer<RoutingContext, Throwable> ANSWERED_HERE = (ctx, failure) -> {
    };

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
        Uni<SecurityIdentity> deferred = ctx.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        if (deferred == null || !PATH.equals(ctx.normalizedPath()) || !isUpgrade(ctx)) {
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
                        ctx.next();
                    }
                }),
                failure -> eventLoop.runOnContext(v -> refuse(ctx, failure.toString())));
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

    private static boolean isUpgrade(RoutingContext ctx) {
        String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
        return upgrade != null && upgrade.equalsIgnoreCase("websocket");
    }
}
