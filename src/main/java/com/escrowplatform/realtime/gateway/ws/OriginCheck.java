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
 * origin passes. Refusals are counted in {@code escrow.gateway.upgrades.refused{status="403"}}.
 */
@ApplicationScoped
public class OriginCheck implements HttpUpgradeCheck {
    private final List<String> allowed;
    private final SocketFailures failures;

    public OriginCheck(GatewayConfig config, SocketFailures failures) {
        this.allowed = config.allowedOrigins().orElse(List.of());
        this.failures = failures;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (allows(context.httpRequest().getHeader("Origin"))) {
            return CheckResult.permitUpgrade();
        }
        failures.refusedUpgrade(403).increment();
        return CheckResult.rejectUpgrade(403);
    }

    private boolean allows(String origin) {
        return allows(allowed, origin);
    }

    /** Whether a request with this {@code Origin} header (null: none) may use the gateway; Socket.IO polling asks too. */
    public static boolean allows(List<String> allowed, String origin) {
        return allowed.isEmpty() || origin == null || allowed.contains(origin);
    }
}
