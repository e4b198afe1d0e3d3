package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.escrowplatform.realtime.testsupport.TestTokens;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;

/** Which configured algorithms a key can verify, by its own type, for a PEM key and for each key of a JWK set. */
class VerificationKeysTest {
    private static final EnumSet<SignatureAlgorithm> DEFAULT =
            EnumSet.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256);

    @Test
    void shouldVerifyWithAnRsaPemKeyOnlyRs256AmongTheDefaultAlgorithms() throws Exception {
        VerificationKeys keys = VerificationKeys.read(context(TestTokens.publicKeyPem("dev-rsa"), DEFAULT));
        assertThat(keys.pemKey()).isInstanceOf(RSAPublicKey.class);
        assertThat(described(keys)).containsExactly("(no kid)/RS256");
    }

    @Test
    void shouldVerifyWithAnEcPemKeyOnlyEs256AmongTheDefaultAlgorithms() throws Exception {
        VerificationKeys keys = VerificationKeys.read(context(TestTokens.publicKeyPem("dev-ec"), DEFAULT));
        assertThat(keys.pemKey()).isInstanceOf(ECPublicKey.class);
        assertThat(described(keys)).containsExactly("(no kid)/ES256");
        assertThat(keys.soleKeyFor(SignatureAlgorithm.ES256)).isEqualTo(keys.pemKey());
        assertThat(keys.soleKeyFor(SignatureAlgorithm.RS256)).isNull();
    }

    @Test
    void shouldSayWhenAPemKeyCanVerifyNoneOfTheConfiguredAlgorithms() {
        String ec = TestTokens.publicKeyPem("dev-ec");
        String rsa = TestTokens.publicKeyPem("dev-rsa");
        assertThatThrownBy(() -> VerificationKeys.read(context(ec, EnumSet.of(SignatureAlgorithm.RS256))))
                .isInstanceOf(KeyUnavailable.class)
                .hasMessageStartingWith("the EC key (P-256) at ")
                .hasMessageEndingWith(" can verify none of the configured algorithms [RS256]"
                        + " (mp.jwt.verify.publickey.algorithm); it verifies ES256");
        assertThatThrownBy(() -> VerificationKeys.read(context(rsa, EnumSet.of(SignatureAlgorithm.ES256))))
                .isInstanceOf(KeyUnavailable.class)
                .hasMessageContaining("the RSA key at ")
                .hasMessageContaining("can verify none of the configured algorithms [ES256]")
                .hasMessageEndingWith("it verifies RS256, RS384, RS512, PS256, PS384, PS512");
    }

    @Test
    void shouldTakeTheEcAlgorithmFromTheKeysCurve() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        String p384 = pem("PUBLIC KEY", generator.generateKeyPair().getPublic().getEncoded());
        assertThatThrownBy(() -> VerificationKeys.read(context(p384, DEFAULT))).isInstanceOf(KeyUnavailable.class)
                .hasMessageContaining("the EC key (P-384)").hasMessageEndingWith("it verifies ES384");
        assertThat(described(VerificationKeys.read(context(p384, EnumSet.of(SignatureAlgorithm.ES384)))))
                .containsExactly("(no kid)/ES384");
    }

    @Test
    void shouldReadTheKeyOfAPemCertificate(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("cert.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "platform", "-dname", "CN=platform",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-validity", "2")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.exitValue()).as(output).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        Certificate certificate = keyStore.getCertificate("platform");

        VerificationKeys keys = VerificationKeys.read(context(pem("CERTIFICATE", certificate.getEncoded()), DEFAULT));
        assertThat(keys.pemKey()).isEqualTo(certificate.getPublicKey());
        assertThat(described(keys)).containsExactly("(no kid)/ES256");
    }

    @Test
    void shouldListEachKeyOfASetWithTheConfiguredAlgorithmsItCanVerify() throws Exception {
        VerificationKeys keys = VerificationKeys.read(context(devJwks(), DEFAULT));
        assertThat(keys.pemKey()).isNull();
        assertThat(described(keys)).containsExactly("dev-rsa/RS256", "dev-ec/ES256");
        assertThat(keys.soleKeyFor(SignatureAlgorithm.RS256)).isInstanceOf(RSAPublicKey.class);
        assertThat(keys.soleKeyFor(SignatureAlgorithm.ES256)).isInstanceOf(ECPublicKey.class);

        assertThat(described(VerificationKeys.read(context(devJwks(), EnumSet.of(SignatureAlgorithm.RS256)))))
                .containsExactly("dev-rsa/RS256");
        String jwks = devJwks();
        EnumSet<SignatureAlgorithm> others = EnumSet.of(SignatureAlgorithm.PS256, SignatureAlgorithm.ES384);
        assertThatThrownBy(() -> VerificationKeys.read(context(jwks, others)))
                .isInstanceOf(KeyUnavailable.class)
                .hasMessageEndingWith("has no signing key that can verify any of the configured algorithms [ES384, PS256]"
                        + " (mp.jwt.verify.publickey.algorithm)");
    }

    @Test
    void shouldNameNoSoleKeyForAnAlgorithmThatSeveralKeysOfTheSetVerify() throws Exception {
        String rsa = jwk("rsa-1", rsaKey(), null, null);
        String another = jwk("rsa-2", rsaKey(), null, "RS256");
        String encryption = jwk("rsa-enc", rsaKey(), "enc", null);
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        String p384 = jwk("ec-384", ec.generateKeyPair().getPublic(), null, null);
        String set = "{\"keys\":[" + String.join(",", rsa, another, encryption, p384) + "]}";
        VerificationKeys keys = VerificationKeys.read(context(set, DEFAULT));
        assertThat(described(keys)).containsExactly("rsa-1/RS256", "rsa-2/RS256");
        assertThat(keys.soleKeyFor(SignatureAlgorithm.RS256)).isNull();
        assertThat(keys.soleKeyFor(SignatureAlgorithm.ES256)).isNull();
    }

    private static JWTAuthContextInfo context(String content, EnumSet<SignatureAlgorithm> algorithms) {
        JWTAuthContextInfo context = new JWTAuthContextInfo();
        context.setPublicKeyContent(content);
        context.setSignatureAlgorithm(algorithms);
        return context;
    }

    private static List<String> described(VerificationKeys keys) {
        return keys.usable().stream().map(VerificationKeys.Usable::describe).toList();
    }

    private static String devJwks() throws IOException {
        try (InputStream in = TestTokens.class.getClassLoader().getResourceAsStream("dev-keys/jwks.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static PublicKey rsaKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair().getPublic();
    }

    private static String jwk(String kid, PublicKey key, String use, String alg) throws Exception {
        PublicJsonWebKey jwk = PublicJsonWebKey.Factory.newPublicJwk(key);
        jwk.setKeyId(kid);
        jwk.setUse(use);
        jwk.setAlgorithm(alg);
        return jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
