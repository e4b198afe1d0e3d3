package com.escrowplatform.realtime.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The load generator's side-by-side sitting and its fail-over scenario at their smoke size (the other scenarios:
 * {@link LoadgenSmokeIT}). The sitting keeps every comparison peer of {@code bench/peers/} from rotting.
 */
class LoadgenComparisonSmokeIT {

    /**
     * The service and every peer in turn (Socket.IO fed by Kafka, Socket.IO with an in-process publisher, Vert.x,
     * the plain Kafka consumer: compare.mjs's default), each delivering every event once, then the table and plot.
     */
    @Test
    void shouldCompareTheServiceWithEveryPeerAtSmokeSize() throws Exception {
        LoadgenSmoke.assertPasses("compare-fanout", List.of("node", "bench/loadgen/compare.mjs", "fanout", "--smoke"));
    }

    /** The clients of a killed instance fail over to a second one, as behind a balancer. */
    @Test
    void shouldRecoverEverySocketOnASecondInstanceAtSmokeSize() throws Exception {
        LoadgenSmoke.assertPasses("reconnect-failover",
                List.of("node", "bench/loadgen/run.mjs", "reconnect", "--smoke", "--instances", "2"));
    }
}
