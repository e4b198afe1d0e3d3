package com.escrowplatform.realtime.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.keys.EllipticCurves;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.util.KeyUtils;
import io.smallrye.jwt.util.ResourceUtils;

/**
 * The configured verification key(s), read once per load: a single PEM public key (or certificate), or a JWK
 * set; and for each key, the configured algorithms it can verify. A key's own type decides: an RSA key
 * verifies RS256 (RS384, RS512, PS256…), an EC key the ES algorithm of its curve (P-256: ES256).
 *
 * <p>Why the PEM key is read here: SmallRye JWT (4.6) reads a PEM key as the type of the first algorithm of
 * {@code mp.jwt.verify.publickey.algorithm}, a set with no order, and uses it for every algorithm. With
 * {@code RS256,ES256} an RSA key read as EC loads as no key (every token refused), and an EC key read as
 * such is still offered RS256 tokens. {@link ReloadableJwtParser} therefore verifies with the key decoded
 * here and only the algorithms its type can verify.
 */
final class VerificationKeys {
    private static final Duration REMOTE_TIMEOUT = Duration.ofSeconds(5);
    private static final String ALGORITHM_KEY = "mp.jwt.verify.publickey.algorithm";

    /** One key and one configured algorithm it verifies; {@code kid} is null for a PEM key. */
    record Usable(String kid, PublicKey key, SignatureAlgorithm algorithm) {
        String describe() {
            return (kid == null ? "(no kid)" : kid) + "/" + algorithm.getAlgorithm();
        }
    }

    private final PublicKey pemKey;
    private final boolean fetched;
    private final List<Usable> usable;

    private VerificationKeys(PublicKey pemKey, boolean fetched, List<Usable> usable) {
        this.pemKey = pemKey;
        this.fetched = fetched;
        this.usable = List.copyOf(usable);
    }

    /** The single PEM key, or null for a JWK set. */
    PublicKey pemKey() {
        return pemKey;
    }

    /** True when the key set comes from an http(s) URL, which SmallRye fetches again by itself. */
    boolean fetched() {
        return fetched;
    }

    /** Every key with every configured algorithm it verifies, in the set's order; never empty. */
    List<Usable> usable() {
        return usable;
    }

    /** The algorithms the key(s) can verify, among the configured ones. */
    Set<SignatureAlgorithm> algorithms() {
        Set<SignatureAlgorithm> algorithms = EnumSet.noneOf(SignatureAlgorithm.class);
        usable.forEach(key -> algorithms.add(key.algorithm()));
        return algorithms;
    }

    /** The only key that verifies {@code algorithm}, or null when there is none or more than one. */
    PublicKey soleKeyFor(SignatureAlgorithm algorithm) {
        List<PublicKey> keys = usable.stream().filter(key -> key.algorithm() == algorithm).map(Usable::key)
                .distinct().toList();
        return keys.size() == 1 ? keys.get(0) : null;
    }

    /** Reads and sorts out the key of {@code context} (SmallRye's, as configured). Blocks on the key's location. */
    static VerificationKeys read(JWTAuthContextInfo context) throws KeyUnavailable {
        String content = context.getPublicKeyContent();
        String location = context.getPublicKeyLocation();
        if (content == null) {
            if (location == null) {
                throw new KeyUnavailable("no verification key configured (mp.jwt.verify.publickey.location)");
            }
            content = read(location);
        }
        Set<SignatureAlgorithm> configured = EnumSet.noneOf(SignatureAlgorithm.class);
        configured.addAll(context.getSignatureAlgorithm());
        if (!content.trim().startsWith("{")) {
            return fromPem(content, configured);
        }
        boolean fetched = context.getPublicKeyContent() == null && location.startsWith("http");
        return fromJwkSet(content, configured, fetched);
    }

    private static VerificationKeys fromPem(String content, Set<SignatureAlgorithm> configured) throws KeyUnavailable {
        PublicKey key = decodePem(content);
        Set<SignatureAlgorithm> verifiable = verifiableBy(key);
        List<Usable> usable = new ArrayList<>();
        for (SignatureAlgorithm algorithm : configured) {
            if (verifiable.contains(algorithm)) {
                usable.add(new Usable(null, key, algorithm));
            }
        }
        if (usable.isEmpty()) {
            throw new KeyUnavailable(describe(key) + " at " + configuredLocation()
                    + " can verify none of the configured algorithms " + names(configured) + " (" + ALGORITHM_KEY + ")"
                    + (verifiable.isEmpty() ? "" : "; it verifies " + String.join(", ", names(verifiable))));
        }
        return new VerificationKeys(key, false, usable);
    }

    private static VerificationKeys fromJwkSet(String content, Set<SignatureAlgorithm> configured, boolean fetched)
            throws KeyUnavailable {
        List<JsonWebKey> keys = KeyUtils.loadJsonWebKeys(content);
        if (keys == null || keys.isEmpty()) {
            throw new KeyUnavailable("the key set at " + configuredLocation() + " is not a readable JWK set");
        }
        List<Usable> usable = new ArrayList<>();
        for (JsonWebKey jwk : keys) {
            // HMAC (oct) keys are never accepted; keys for encryption are not for signatures
            if (!(jwk instanceof PublicJsonWebKey publicJwk) || (jwk.getUse() != null && !"sig".equals(jwk.getUse()))) {
                continue;
            }
            for (SignatureAlgorithm algorithm : verifiableBy(publicJwk.getPublicKey())) {
                boolean named = jwk.getAlgorithm() == null || jwk.getAlgorithm().equals(algorithm.getAlgorithm());
                if (named && configured.contains(algorithm)) {
                    usable.add(new Usable(jwk.getKeyId(), publicJwk.getPublicKey(), algorithm));
                }
            }
        }
        if (usable.isEmpty()) {
            throw new KeyUnavailable("the key set at " + configuredLocation() + " has no signing key that can verify"
                    + " any of the configured algorithms " + names(configured) + " (" + ALGORITHM_KEY + ")");
        }
        return new VerificationKeys(null, fetched, usable);
    }

    /** The algorithms a key of this type can verify (SmallRye's names). */
    static Set<SignatureAlgorithm> verifiableBy(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return EnumSet.of(SignatureAlgorithm.RS256, SignatureAlgorithm.RS384, SignatureAlgorithm.RS512,
                    SignatureAlgorithm.PS256, SignatureAlgorithm.PS384, SignatureAlgorithm.PS512);
        }
        if (key instanceof ECPublicKey ec) {
            String curve = EllipticCurves.getName(ec.getParams().getCurve());
            if (EllipticCurves.P_256.equals(curve)) {
                return EnumSet.of(SignatureAlgorithm.ES256);
            }
            if (EllipticCurves.P_384.equals(curve)) {
                return EnumSet.of(SignatureAlgorithm.ES384);
            }
            if (EllipticCurves.P_521.equals(curve)) {
                return EnumSet.of(SignatureAlgorithm.ES512);
            }
        }
        return EnumSet.noneOf(SignatureAlgorithm.class);
    }

    /** A PEM public key or certificate, RSA or EC, whatever the configured algorithms. */
    private static PublicKey decodePem(String content) throws KeyUnavailable {
        try {
            if (content.contains("-----BEGIN CERTIFICATE")) {
                return KeyUtils.getCertificate(content).getPublicKey();
            }
            byte[] der = Base64.getDecoder().decode(KeyUtils.removePemKeyBeginEnd(content));
            X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
            GeneralSecurityException last = null;
            for (String type : List.of("RSA", "EC")) {
                try {
                    return KeyFactory.getInstance(type).generatePublic(spec);
                } catch (GeneralSecurityException notThisType) {
                    last = notThisType;
                }
            }
            throw last;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyUnavailable("the key at " + configuredLocation()
                    + " is neither an RSA or EC public key in PEM nor a JWK set: " + e.getMessage());
        }
    }

    private static String describe(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            String curve = EllipticCurves.getName(ec.getParams().getCurve());
            return "the EC key (" + (curve == null ? "unnamed curve" : curve) + ")";
        }
        return "the " + key.getAlgorithm() + " key";
    }

    private static List<String> names(Set<SignatureAlgorithm> algorithms) {
        return algorithms.stream().map(SignatureAlgorithm::getAlgorithm).toList();
    }

    /** Where the key comes from, for messages: the configured location, or the inline key. */
    static String configuredLocation() {
        Config config = ConfigProvider.getConfig();
        return config.getOptionalValue("smallrye.jwt.verify.key.location", String.class)
                .or(() -> config.getOptionalValue("mp.jwt.verify.publickey.location", String.class))
                .orElse("mp.jwt.verify.publickey");
    }

    private static String read(String location) throws KeyUnavailable {
        try {
            String content;
            if (location.startsWith("http")) {
                URLConnection connection = URI.create(location).toURL().openConnection();
                connection.setConnectTimeout((int) REMOTE_TIMEOUT.toMillis());
                connection.setReadTimeout((int) REMOTE_TIMEOUT.toMillis());
                try (InputStream in = connection.getInputStream()) {
                    content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } else {
                content = ResourceUtils.readResource(location);
            }
            if (content == null || content.isBlank()) {
                throw new KeyUnavailable("no key at " + location
                        + (content == null ? " (not found or not readable)" : " (empty)"));
            }
            return content;
        } catch (IOException | RuntimeException e) {
            throw new KeyUnavailable("cannot read the key at " + location + ": " + e);
        }
    }
}
