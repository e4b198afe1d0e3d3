package com.escrowplatform.realtime.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

class HubLimitsTest {

    @Test
    void shouldTakeEveryLimitFromTheConfiguration() {
        GatewayConfig config = new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of(
                        "escrow.gateway.max-subscriptions-per-connection", "7",
                        "escrow.gateway.subscribes-per-second", "2.5",
                        "escrow.gateway.subscribe-burst", "9",
                        "escrow.gateway.max-replay-events", "11",
                        "escrow.gateway.max-held-back-events", "13",
                        "escrow.gateway.max-outbound-bytes", "4096",
                        "escrow.gateway.dedupe-ids-per-partition", "17"), "test", 500))
                .build().getConfigMapping(GatewayConfig.class);

        assertThat(HubLimits.from(config)).isEqualTo(new HubLimits(7, 2.5, 9, 11, 13, 4096, 17));
    }
}
