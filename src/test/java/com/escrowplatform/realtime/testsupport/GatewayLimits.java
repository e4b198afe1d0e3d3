package com.escrowplatform.realtime.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Gateway limits away from their defaults, for the tests of those limits: a replay window of
 * {@value #WINDOW_EVENTS_PER_PARTITION} events per partition, at most {@value #MAX_REPLAY} replayed events per
 * subscribe, and frames of up to {@value #MAX_FRAME_BYTES} bytes. One profile for all three, which no test of one
 * of them notices, so that their tests share one application start.
 */
public class GatewayLimits implements QuarkusTestProfile {
    public static final int WINDOW_EVENTS_PER_PARTITION = 5;
    public static final int MAX_REPLAY = 60;
    public static final int MAX_FRAME_BYTES = 1_000_000;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("escrow.gateway.window-events-per-partition", String.valueOf(WINDOW_EVENTS_PER_PARTITION),
                "escrow.gateway.max-replay-events", String.valueOf(MAX_REPLAY),
                "escrow.gateway.max-frame-bytes", String.valueOf(MAX_FRAME_BYTES));
    }
}
