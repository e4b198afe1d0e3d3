package com.escrowplatform.realtime.gateway;

import java.time.Duration;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The gateway's configuration with nothing set, for tests that build the hub without Quarkus: the defaults come
 * from {@link GatewayConfig}'s own annotations, so these tests run with the limits production starts with.
 */
public final class DefaultLimits {

    /** Every {@link GatewayConfig} setting at its default. */
    static final GatewayConfig CONFIG = defaultConfig();

    /** The hub's limits at their defaults. */
    public static final HubLimits HUB = HubLimits.from(CONFIG);

    private DefaultLimits() {
    }

    private static GatewayConfig defaultConfig() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                // the "25s" spelling of the defaults is Quarkus's
                .withConverter(Duration.class, 100, new DurationConverter())
                .build();
        return config.getConfigMapping(GatewayConfig.class);
    }
}
