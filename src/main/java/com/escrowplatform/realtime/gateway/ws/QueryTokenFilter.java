package com.escrowplatform.realtime.gateway.ws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;

/**
 * With {@code escrow.gateway.query-token-enabled=true}, an upgrade to {@code /ws} may carry its token as
 * {@code ?access_token=…} (for clients that can set neither a header nor a subprotocol). The token is moved
 * into the Authorization header before authentication, so it is verified exactly like a header token.
 * Off by default: a token in a URL can end up in proxies' and servers' access logs.
 */
@ApplicationScoped
public class QueryTokenFilter {
    /** Runs before authentication (higher runs first). */
    static final int PRIORITY = 10_000;

    void register(@Observes Filters filters, GatewayConfig config) {
        if (!config.queryTokenEnabled()) {
            return;
        }
        filters.register(context -> {
            String token = context.request().getParam("access_token");
            if (token != null && "/ws".equals(context.normalizedPath())
                    && context.request().getHeader(HttpHeaders.AUTHORIZATION) == null) {
                context.request().headers().set(HttpHeaders.AUTHORIZATION, "Bearer " + token);
            }
            context.next();
        }, PRIORITY);
    }
}
