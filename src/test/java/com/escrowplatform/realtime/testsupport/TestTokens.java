package com.escrowplatform.realtime.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Tokens for tests, signed by hand so that bad ones (alg none, HMAC, no exp, unknown key) can be made as
 * easily as good ones. Good tokens use the dev keys the test profile verifies with.
 */
public final class TestTokens {
    public static final String ISSUER = "https://dev.escrow-realtime.local";
    public static final String AUDIENCE = "escrow-realtime";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private TestTokens() {
    }

    public static String forUser(String userId, String... roles) {
        return rs256(claims(userId, Instant.now().plus(Duration.ofHours(1)), roles));
    }

    public static String support(String userId) {
        return forUser(userId, "support");
    }

    public static String expiringIn(String userId, Duration ttl) {
        return rs256(claims(userId, Instant.now().plus(ttl)));
    }

    /** The {@code exp} of a token made here: whole seconds, so up to a second before the ttl asked for. */
    public static Instant expiresAt(String token) {
        try {
            byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
            return Instant.ofEpochSecond(JSON.readTree(claims).path("exp").asLong());
        } catch (IOException e) {
            throw new IllegalArgumentException("not a token made here: " + token, e);
        }
    }

    public static String es256(String userId) {
        return es256("dev-ec", userId);
    }

    /** A valid RS256 token that names no key ({@code kid}), as a platform with a single key may sign. */
    public static String rs256WithoutKid(String userId) {
        return sign("RS256", null, claims(userId, Instant.now().plus(Duration.ofHours(1))),
                key("RSA", "dev-keys/rsa-private.pem"), "SHA256withRSA");
    }

    /** A valid ES256 token that names no key ({@code kid}). */
    public static String es256WithoutKid(String userId) {
        return es256(null, userId);
    }

    private static String es256(String kid, String userId) {
        return sign("ES256", kid, claims(userId, Instant.now().plus(Duration.ofHours(1))),
                key("EC", "dev-keys/ec-private.pem"), "SHA256withECDSAinP1363Format");
    }

    public static String expired(String userId) {
        return rs256(claims(userId, Instant.now().minus(Duration.ofMinutes(5))));
    }

    public static String wrongIssuer(String userId) {
        Map<String, Object> claims = claims(userId, Instant.now().plus(Duration.ofHours(1)));
        claims.put("iss", "https://somebody-else.example");
        return rs256(claims);
    }

    public static String wrongAudience(String userId) {
        Map<String, Object> claims = claims(userId, Instant.now().plus(Duration.ofHours(1)));
        claims.put("aud", "another-service");
        return rs256(claims);
    }

    public static String withoutExp(String userId) {
        Map<String, Object> claims = claims(userId, Instant.now());
        claims.remove("exp");
        return rs256(claims);
    }

    public static String withoutSub() {
        Map<String, Object> claims = claims("nobody", Instant.now().plus(Duration.ofHours(1)));
        claims.remove("sub");
        return rs256(claims);
    }

    public static String algNone(String userId) {
        return encode(Map.of("alg", "none", "typ", "JWT"), claims(userId, Instant.now().plus(Duration.ofHours(1)))) + ".";
    }

    public static String hmac(String userId) {
        try {
            String signingInput = encode(Map.of("alg", "HS256", "typ", "JWT", "kid", "dev-rsa"),
                    claims(userId, Instant.now().plus(Duration.ofHours(1))));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("a-shared-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Valid in every other way, but not valid before 10 minutes from now ({@code nbf}), beyond any clock skew. */
    public static String notYetValid(String userId) {
        Map<String, Object> claims = claims(userId, Instant.now().plus(Duration.ofHours(1)));
        claims.put("nbf", Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond());
        return rs256(claims);
    }

    /** Valid in every other way, but issued ({@code iat}) 10 minutes from now. */
    public static String issuedInTheFuture(String userId) {
        Map<String, Object> claims = claims(userId, Instant.now().plus(Duration.ofHours(1)));
        claims.put("iat", Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond());
        return rs256(claims);
    }

    /**
     * HS256 with the service's RSA public key (its PEM text, as anyone may fetch it) as the HMAC secret: the
     * algorithm-confusion attack on verifiers that let the token's {@code alg} choose how the key is used.
     */
    public static String hmacWithPublicKey(String userId) {
        try {
            String signingInput = encode(Map.of("alg", "HS256", "typ", "JWT", "kid", "dev-rsa"),
                    claims(userId, Instant.now().plus(Duration.ofHours(1))));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(publicKeyPem("dev-rsa").getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid token with one bit of its signature flipped. */
    public static String badSignature(String userId) {
        String token = forUser(userId);
        int dot = token.lastIndexOf('.');
        byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
        signature[signature.length / 2] ^= 0x01;
        return token.substring(0, dot + 1) + B64.encodeToString(signature);
    }

    /** A valid token cut off in the middle of its signature. */
    public static String truncated(String userId) {
        String token = forUser(userId);
        int dot = token.lastIndexOf('.');
        return token.substring(0, dot + 1 + (token.length() - dot - 1) / 2);
    }

    /**
     * A token of at least {@code bytes} characters (a padding claim), signed by the dev key but with the
     * signature of another token: large, well-formed, and invalid.
     */
    public static String oversized(String userId, int bytes) {
        Map<String, Object> claims = claims(userId, Instant.now().plus(Duration.ofHours(1)));
        claims.put("pad", "p".repeat(bytes * 3 / 4));
        String padded = rs256(claims);
        String other = forUser(userId);
        return padded.substring(0, padded.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
    }

    /** Signed by the dev RSA key, but its {@code kid} names no key of the service's key set. */
    public static String unknownKid(String userId) {
        return sign("RS256", "no-such-key", claims(userId, Instant.now().plus(Duration.ofHours(1))),
                key("RSA", "dev-keys/rsa-private.pem"), "SHA256withRSA");
    }

    /** Well-formed and otherwise valid, but signed by a key the service does not know. */
    public static String unknownKey(String userId) {
        return unknownRsaKey("dev-rsa", userId);
    }

    /** As {@link #unknownKey}, naming no key ({@code kid}). */
    public static String unknownKeyWithoutKid(String userId) {
        return unknownRsaKey(null, userId);
    }

    private static String unknownRsaKey(String kid, String userId) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return sign("RS256", kid, claims(userId, Instant.now().plus(Duration.ofHours(1))),
                    generator.generateKeyPair().getPrivate(), "SHA256withRSA");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #unknownKey}, for ES256: well-formed, naming the dev EC key, signed by another P-256 key. */
    public static String unknownEcKey(String userId) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return sign("ES256", "dev-ec", claims(userId, Instant.now().plus(Duration.ofHours(1))),
                    generator.generateKeyPair().getPrivate(), "SHA256withECDSAinP1363Format");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The public half of the dev key {@code kid} ({@code dev-rsa}, {@code dev-ec}) as a PEM public key, the
     * form an operator configures a single key in.
     */
    public static String publicKeyPem(String kid) {
        try (InputStream in = TestTokens.class.getClassLoader().getResourceAsStream("dev-keys/jwks.json")) {
            JsonWebKeySet set = new JsonWebKeySet(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            byte[] encoded = ((PublicJsonWebKey) set.findJsonWebKey(kid, null, null, null)).getPublicKey().getEncoded();
            Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
            return "-----BEGIN PUBLIC KEY-----\n" + pem.encodeToString(encoded) + "\n-----END PUBLIC KEY-----\n";
        } catch (IOException | JoseException | NullPointerException e) {
            throw new IllegalStateException("no dev key " + kid, e);
        }
    }

    private static String rs256(Map<String, Object> claims) {
        return sign("RS256", "dev-rsa", claims, key("RSA", "dev-keys/rsa-private.pem"), "SHA256withRSA");
    }

    private static Map<String, Object> claims(String userId, Instant expiresAt, String... roles) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", userId);
        claims.put("aud", AUDIENCE);
        claims.put("iat", Instant.now().getEpochSecond() - 5);
        claims.put("exp", expiresAt.getEpochSecond());
        claims.put("groups", List.of(roles));
        return claims;
    }

    /** Signs {@code claims}; {@code kid} null leaves the header without one. */
    private static String sign(String alg, String kid, Map<String, Object> claims, PrivateKey key, String jcaAlgorithm) {
        try {
            Map<String, Object> header = new LinkedHashMap<>(Map.of("alg", alg, "typ", "JWT"));
            if (kid != null) {
                header.put("kid", kid);
            }
            String signingInput = encode(header, claims);
            Signature signature = Signature.getInstance(jcaAlgorithm);
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(Map<String, Object> header, Map<String, Object> claims) {
        try {
            return B64.encodeToString(JSON.writeValueAsBytes(header)) + "." + B64.encodeToString(JSON.writeValueAsBytes(claims));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey key(String algorithm, String resource) {
        try (InputStream in = TestTokens.class.getClassLoader().getResourceAsStream(resource)) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | GeneralSecurityException | NullPointerException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
