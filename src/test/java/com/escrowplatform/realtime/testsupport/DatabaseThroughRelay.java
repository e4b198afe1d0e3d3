package com.escrowplatform.realtime.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A test profile whose request paths (the reactive pool) reach PostgreSQL through a {@link TcpRelay}, so that a
 * test can cut, slow or hold the application's database link while requests are in flight. Flyway and the outbox
 * relay (JDBC) keep the direct link; the outbox relay and the key purge are off, so that the reactive pool carries
 * the requests' traffic only.
 */
public class DatabaseThroughRelay implements QuarkusTestProfile {
    private static TcpRelay relay;

    /** The relay in front of the test database, opened on first use and kept for the JVM. */
    public static synchronized TcpRelay relay() {
        if (relay == null) {
            relay = TcpRelay.to(TestDatabase.server());
        }
        return relay;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        TestDatabase database = TestInfrastructure.database();
        return Map.of("quarkus.datasource.reactive.url",
                "postgresql://127.0.0.1:" + relay().port() + "/" + database.name(),
                "escrow.outbox.enabled", "false",
                "escrow.idempotency.purge-enabled", "false");
    }
}
