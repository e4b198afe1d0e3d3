package com.escrowplatform.realtime.testsupport;

import java.io.IOException;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real infrastructure for the test JVM: one Kafka broker process and one fresh database, shared by every
 * Quarkus test and ended when the JVM exits. Quarkus restarts the application per test profile; the
 * infrastructure stays up across those restarts.
 */
public class TestInfrastructure implements QuarkusTestResourceLifecycleManager {
    private static KafkaBroker kafka;
    private static TestDatabase database;

    public static synchronized KafkaBroker kafka() {
        ensureStarted();
        return kafka;
    }

    public static synchronized TestDatabase database() {
        ensureStarted();
        return database;
    }

    private static synchronized void ensureStarted() {
        if (kafka != null) {
            return;
        }
        KafkaBroker broker;
        try {
            broker = KafkaBroker.create();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // published only once both are up: a failed start must fail the next caller too, not hand out nulls
        broker.start();
        database = TestDatabase.create();
        kafka = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.destroy();
            database.drop();
        }, "test-infrastructure-stop"));
    }

    /** The settings that point the application at this infrastructure. */
    public static Map<String, String> applicationConfig() {
        ensureStarted();
        return Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("quarkus.datasource.jdbc.url", database.jdbcUrl()),
                Map.entry("quarkus.datasource.reactive.url", database.reactiveUrl()),
                Map.entry("quarkus.datasource.username", database.user()),
                // what the packaged application (prod profile) needs to verify the test tokens
                Map.entry("mp.jwt.verify.publickey.location", "dev-keys/jwks.json"),
                Map.entry("mp.jwt.verify.issuer", TestTokens.ISSUER),
                // no 3 s readiness-DOWN delay on SIGTERM (for balancers): a test that checks it sets it back
                Map.entry("quarkus.shutdown.delay", "0s"));
    }

    @Override
    public Map<String, String> start() {
        return applicationConfig();
    }

    @Override
    public void stop() {
        // stays up for the next application start in this JVM; the shutdown hook ends it
    }
}
