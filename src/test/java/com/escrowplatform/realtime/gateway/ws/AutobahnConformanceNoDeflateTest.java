package com.escrowplatform.realtime.gateway.ws;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** {@link AutobahnConformanceTest}'s cases with per-message compression switched off. */
@QuarkusTest
@TestProfile(AutobahnConformanceNoDeflateTest.NoDeflate.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class AutobahnConformanceNoDeflateTest {
    public static class NoDeflate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(ConformanceEchoEndpoint.ENABLED, "true",
                    "quarkus.websockets-next.server.per-message-compression-supported", "false");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void shouldPassTheAutobahnCasesWithoutCompression() {
        AutobahnConformanceTest.assertConformant(base, "escrow-realtime-plain");
    }
}
