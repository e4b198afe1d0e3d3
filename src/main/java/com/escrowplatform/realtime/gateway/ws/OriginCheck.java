package com.escrowplatform.realtime.gateway.ws;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/**
 * Refuses a WebSocket upgrade (HTTP 403) whose {@code Origin} is not in {@code escrow.gateway.allowed-origins},
 * for every endpoint. A request without Origin (native apps, servers) passes: Origin checks protect browsers
 * from cross-site use of their cookies and tokens, and only browsers send it. With no list configured, any
 * origin passes.
 */
@ApplicationScoped
public class OriginCheck implements HttpUpgradeCheck {
    private final List<String> allowed;

    public OriginCheck(GatewayConfig config) {
        this.allowed = config.allowedOrigins().orElse(List.of());
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String origin = context.httpRequest().getHeader("Origin");
        if (allowed.isEmpty() || origin == null || allowed.contains(origin)) {
            return CheckResult.permitUpgrade();
        }
        return CheckResult.rejectUpgrade(403);
    }
}
