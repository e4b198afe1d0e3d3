package com.escrowplatform.realtime.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.escrowplatform.realtime.gateway.kafka.GatewayRuntime;

/**
 * Ready only while the live consumer is consuming: without it no event reaches this instance's sockets,
 * so a balancer must send clients elsewhere while it restarts. Never blocks.
 */
@Readiness
@ApplicationScoped
public class LiveConsumerReadinessCheck implements HealthCheck {
    private final GatewayRuntime gateway;

    public LiveConsumerReadinessCheck(GatewayRuntime gateway) {
        this.gateway = gateway;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("live-consumer").status(gateway.liveConsumerUp())
                .withData("restarts", gateway.liveConsumerRestarts()).build();
    }
}
