package com.escrowplatform.realtime.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The observability a production overlay can switch on, for the tests of traces and log lines: tracing on, its
 * spans exported as they end to the in-memory exporter only, and every console line one JSON object. One profile
 * for both, so that their tests share one application start.
 */
public class TracingAndJsonLogs implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.enabled", "false",
                "quarkus.otel.simple", "true",
                "quarkus.log.console.json.enabled", "true");
    }
}
