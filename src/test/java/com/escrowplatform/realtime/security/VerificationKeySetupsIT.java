package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every key set-up an operator configures, on the packaged application (prod profile): one RSA PEM public
 * key, one EC PEM public key, a JWKS file, each with the default algorithms ({@code RS256,ES256}) and with one
 * only. Each becomes ready (the {@code token-verification} check UP, naming what it proved), serves a REST call
 * and a {@code /ws} upgrade with a token of its key, and refuses tokens of any other key. A key that can verify
 * none of the configured algorithms keeps the instance not ready and says so. One process per set-up.
 */
class VerificationKeySetupsIT {
    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path keys;

    record Token(String name, Function<String, String> mint) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Token RS256 = new Token("RS256 dev-rsa", TestTokens::forUser);
    static final Token RS256_NO_KID = new Token("RS256 without kid", TestTokens::rs256WithoutKid);
    static final Token ES256 = new Token("ES256 dev-ec", TestTokens::es256);
    static final Token ES256_NO_KID = new Token("ES256 without kid", TestTokens::es256WithoutKid);
    static final Token OTHER_RSA_KEY = new Token("RS256 of another key", TestTokens::unknownKey);
    static final Token OTHER_EC_KEY = new Token("ES256 of another key", TestTokens::unknownEcKey);

    /**
     * @param key file name under {@link #keys}
     * @param algorithms {@code mp.jwt.verify.publickey.algorithm}, null for the default
     * @param proven what the ready check lists
     */
    record SetUp(String name, String key, String algorithms, String proven, List<Token> accepted, List<Token> refused) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void writeKeys() throws IOException {
        Files.writeString(keys.resolve("rsa.pem"), TestTokens.publicKeyPem("dev-rsa"));
        Files.writeString(keys.resolve("ec.pem"), TestTokens.publicKeyPem("dev-ec"));
        try (InputStream jwks = TestTokens.class.getClassLoader().getResourceAsStream("dev-keys/jwks.json")) {
            Files.write(keys.resolve("jwks.json"), jwks.readAllBytes());
        }
    }

    static Stream<SetUp> readySetUps() {
        return Stream.of(
                new SetUp("RSA PEM, default algorithms", "rsa.pem", null, "(no kid)/RS256",
                        List.of(RS256, RS256_NO_KID), List.of(ES256, OTHER_RSA_KEY)),
                new SetUp("EC PEM, default algorithms", "ec.pem", null, "(no kid)/ES256",
                        List.of(ES256, ES256_NO_KID), List.of(RS256, OTHER_EC_KEY)),
                new SetUp("JWKS, default algorithms", "jwks.json", null, "dev-rsa/RS256, dev-ec/ES256",
                        List.of(RS256, ES256, RS256_NO_KID, ES256_NO_KID), List.of(OTHER_RSA_KEY, OTHER_EC_KEY)),
                new SetUp("RSA PEM, RS256 only", "rsa.pem", "RS256", "(no kid)/RS256",
                        List.of(RS256_NO_KID), List.of(ES256, OTHER_RSA_KEY)),
                new SetUp("EC PEM, ES256 only", "ec.pem", "ES256", "(no kid)/ES256",
                        List.of(ES256_NO_KID), List.of(RS256, OTHER_EC_KEY)),
                new SetUp("JWKS, RS256 only", "jwks.json", "RS256", "dev-rsa/RS256",
                        List.of(RS256, RS256_NO_KID), List.of(ES256, ES256_NO_KID, OTHER_RSA_KEY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readySetUps")
    void shouldBecomeReadyAndAcceptOnlyTheTokensOfItsKey(SetUp setUp) {
        Map<String, String> settings = settings(setUp.key(), setUp.algorithms());
        try (ApplicationProcess app = ApplicationProcess.start(processName(setUp.name()), START, settings)) {
            JsonNode check = tokenVerificationCheck(app);
            assertThat(check.path("status").asText()).as(check.toString()).isEqualTo("UP");
            assertThat(check.path("data").path("keys").asText()).isEqualTo("keys [" + setUp.proven() + "]");

            for (Token token : setUp.accepted()) {
                String user = "keys-" + token.name().replaceAll("\\W+", "-");
                assertThat(restStatus(app, token.mint().apply(user))).as("REST with " + token).isEqualTo(200);
                try (WsClient socket = WsClient.connect(app.uri(), token.mint().apply(user))) {
                    JsonNode welcome = socket.next(WAIT);
                    assertThat(welcome.path("type").asText()).as("/ws with " + token).isEqualTo("welcome");
                    assertThat(welcome.path("userId").asText()).isEqualTo(user);
                }
            }
            for (Token token : setUp.refused()) {
                String bearer = token.mint().apply("mallory");
                assertThat(restStatus(app, bearer)).as("REST with " + token).isEqualTo(401);
                assertThat(WsClient.upgradeStatus(app.uri(), ws -> ws.header("Authorization", "Bearer " + bearer)))
                        .as("/ws with " + token).isEqualTo(401);
            }
        }
    }

    @Test
    void shouldStayNotReadyWhenTheKeyCanVerifyNoneOfTheConfiguredAlgorithms() {
        Map<String, String> settings = settings("ec.pem", "RS256");
        try (ApplicationProcess app = ApplicationProcess.startAnswering("keys-ec-pem-rs256-only", START, settings)) {
            String expected = "the EC key (P-256) at " + keys.resolve("ec.pem")
                    + " can verify none of the configured algorithms [RS256] (mp.jwt.verify.publickey.algorithm)";
            Awaitility.await("readiness says the key cannot verify RS256").atMost(WAIT)
                    .until(() -> app.get("/q/health/ready").body().contains(expected));
            JsonNode check = tokenVerificationCheck(app);
            assertThat(check.path("status").asText()).isEqualTo("DOWN");
            assertThat(check.path("data").path("error").asText()).startsWith(expected);
            assertThat(app.readinessStatus()).isEqualTo(503);
            assertThat(restStatus(app, TestTokens.es256WithoutKid("keys-ec"))).isEqualTo(401);
            assertThat(restStatus(app, TestTokens.rs256WithoutKid("keys-rsa"))).isEqualTo(401);
        }
    }

    private static Map<String, String> settings(String key, String algorithms) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("mp.jwt.verify.publickey.location", keys.resolve(key).toString());
        if (algorithms != null) {
            settings.put("mp.jwt.verify.publickey.algorithm", algorithms);
        }
        return settings;
    }

    /**
     * The status of a GET on {@code /api/escrows}. A fresh instance's first query loads classes on its event
     * loop, which on a busy machine can outlast one request's timeout: the call is repeated until it is answered.
     */
    private static int restStatus(ApplicationProcess app, String bearer) {
        return Awaitility.await("an answer to GET /api/escrows").atMost(WAIT)
                .until(() -> app.get("/api/escrows", bearer).statusCode(), status -> status != -1);
    }

    private static JsonNode tokenVerificationCheck(ApplicationProcess app) {
        for (JsonNode check : Json.parse(app.get("/q/health/ready").body()).path("checks")) {
            if ("token-verification".equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no token-verification check in " + app.get("/q/health/ready").body());
    }

    private static String processName(String setUp) {
        return "keys-" + setUp.toLowerCase().replaceAll("\\W+", "-");
    }
}
