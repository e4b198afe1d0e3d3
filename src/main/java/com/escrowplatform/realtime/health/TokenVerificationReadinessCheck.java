package com.escrowplatform.realtime.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.escrowplatform.realtime.security.VerificationKeyCheck;

/** Ready only once a token can be verified: the verification key is proven loaded (never blocks). */
@Readiness
@ApplicationScoped
public class TokenVerificationReadinessCheck implements HealthCheck {
    private final VerificationKeyCheck keys;

    public TokenVerificationReadinessCheck(VerificationKeyCheck keys) {
        this.keys = keys;
    }

    @Override
    public HealthCheckResponse call() {
        VerificationKeyCheck.Status status = keys.status();
        return HealthCheckResponse.named("token-verification").status(status.ready())
                .withData(status.ready() ? "keys" : "error", status.detail())
                .withData("since", status.since().toString()).build();
    }
}
