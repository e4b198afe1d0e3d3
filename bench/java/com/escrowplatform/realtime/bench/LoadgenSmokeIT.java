package com.escrowplatform.realtime.bench;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the load generator of {@code bench/loadgen/} from rotting: each scenario at its smoke size against the
 * packaged application (which is why this runs after {@code package}), with its own broker and database.
 * Asserts only that every socket opened and every expected delivery arrived once. Speed is for real runs, see
 * bench/loadgen/README.md. Fan-out and fail-over run in {@link LoadgenComparisonSmokeIT}, in a JVM beside this one.
 */
class LoadgenSmokeIT {

    @ParameterizedTest
    @ValueSource(strings = { "capacity", "e2e", "reconnect", "scaleout" })
    void shouldDeliverEveryExpectedEventAtSmokeSize(String scenario) throws Exception {
        LoadgenSmoke.assertPasses(scenario, List.of("node", "bench/loadgen/run.mjs", scenario, "--smoke"));
    }
}
