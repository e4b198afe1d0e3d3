package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.TestTokens;

/**
 * Guards token verification across a start whose key cannot be loaded at first: the packaged application
 * (prod profile) starts while its JWKS file is absent, then unreadable as a key set, then good. Readiness is
 * DOWN (naming the cause, with a WARN) as long as a valid token cannot be verified, and UP with valid tokens
 * accepted once it can, in the same process. SmallRye JWT keeps the key resolver it builds from a key set that
 * reads as no key, so before this guard the instance refused valid tokens until restarted, while ready.
 */
class VerificationKeyStartupIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void shouldStayNotReadyUntilTheKeyLoadsThenAcceptValidTokensWithoutARestart(@TempDir Path dir) throws IOException {
        Path jwks = dir.resolve("jwks.json");
        String token = TestTokens.forUser("key-check-user");
        try (ApplicationProcess app = ApplicationProcess.startAnswering("key-load", Duration.ofMinutes(3), Map.of(
                "mp.jwt.verify.publickey.location", jwks.toString(),
                "escrow.jwt-key-check.retry-max", "1s"))) {
            // 1. the key file is absent
            Awaitility.await("readiness names the missing key").atMost(WAIT)
                    .until(() -> app.get("/q/health/ready").body().contains("cannot load the key from " + jwks));
            assertRefusedWhileNotReady(app, token, "cannot load the key from " + jwks);

            // 2. it appears, but does not read as a key set (a partial write): the state SmallRye would keep
            Files.writeString(jwks, "{\"keys\":[{\"kty\":\"RSA\",");
            Awaitility.await("readiness names the unreadable key set").atMost(WAIT)
                    .until(() -> app.get("/q/health/ready").body().contains("not a readable JWK set"));
            assertRefusedWhileNotReady(app, token, "not a readable JWK set");

            // 3. the good key set: ready, and the same token verifies, in the same process
            try (InputStream good = getClass().getClassLoader().getResourceAsStream("dev-keys/jwks.json")) {
                Files.write(jwks, good.readAllBytes());
            }
            Awaitility.await("ready once the key loads").atMost(WAIT).until(() -> app.readinessStatus() == 200);
            assertThat(app.isAlive()).isTrue();
            assertThat(app.get("/api/escrows", token).statusCode()).isEqualTo(200);
            assertThat(app.get("/q/health/ready").body()).contains("token-verification").contains("dev-rsa/RS256")
                    .contains("dev-ec/ES256");

            // a bad token is the client's problem: refused, with no WARN about keys
            String log = Files.readString(app.log());
            assertThat(log).contains("WARN").contains("tokens cannot be verified, readiness DOWN")
                    .contains(jwks.toString());
            long warnsBefore = keyWarnings(log);
            assertThat(app.get("/api/escrows", TestTokens.unknownKey("mallory")).statusCode()).isEqualTo(401);
            assertThat(app.get("/api/escrows", TestTokens.hmac("mallory")).statusCode()).isEqualTo(401);
            assertThat(app.get("/api/escrows", token).statusCode()).isEqualTo(200);
            assertThat(keyWarnings(Files.readString(app.log()))).isEqualTo(warnsBefore);
        }
    }

    private static void assertRefusedWhileNotReady(ApplicationProcess app, String token, String cause) {
        ApplicationProcess.Answer ready = app.get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("token-verification").contains(cause);
        assertThat(app.get("/api/escrows", token).statusCode()).isEqualTo(401);
        assertThat(app.get("/q/health/ready").statusCode()).isEqualTo(503);
    }

    private static long keyWarnings(String log) {
        return log.lines().filter(line -> line.contains("WARN") && (line.contains("token") || line.contains("key"))).count();
    }
}
