package com.escrowplatform.realtime.security;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.SecretKey;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.config.JWTAuthContextInfoProvider;

/**
 * The one token parser of the application (REST and WebSocket upgrades through Quarkus' MP-JWT validator,
 * Socket.IO CONNECT through its authenticator): SmallRye JWT's own parser, with the same
 * {@code mp.jwt.verify.*} settings, held so that it can be replaced by a fresh one.
 *
 * <p>Why: SmallRye JWT (4.6) loads the key lazily, at the first token, and keeps what it got for the life of
 * the process, twice over. (1) Its {@code JWTAuthContextInfo} bean (application scoped) reads a file or
 * classpath {@code mp.jwt.verify.publickey.location} once, when first used, and holds the text it read.
 * (2) {@code DefaultJWTTokenParser} builds its key resolver from that text at the first token and keeps it
 * ({@code keyResolver}); building it does not fail when the text reads as no usable key:
 * {@code KeyUtils.loadJsonWebKeys} logs at DEBUG and returns null, and the resolver is kept with no keys. From
 * then on every token is refused ("Failed to load a key from … while resolving", also DEBUG) until a restart,
 * while nothing else in the instance notices. Only a load that throws (file absent) is tried again.
 * {@link #reload} therefore takes a fresh context from SmallRye's own provider (the key read again, every
 * other {@code mp.jwt.*} setting as configured) and a fresh parser; {@link VerificationKeyCheck} proves the
 * key resolves and reloads until it does; a token refused for want of its key is reported to that check.
 *
 * <p>Which key verifies a token ({@link VerificationKeys} reads and sorts out the configured key): a single
 * PEM key verifies, whatever the token's {@code kid}, the configured algorithms its type can verify; a JWK set
 * is SmallRye's, by {@code kid}, and a token without {@code kid} is verified with the set's only key for the
 * token's {@code alg} when there is exactly one (SmallRye alone would take a key only from a set of one). A
 * set fetched from an http(s) URL is left wholly to SmallRye, which fetches it again by itself.
 *
 * <p>Threads: any. The delegate is swapped atomically; a parse in flight finishes on the one it started with.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class ReloadableJwtParser implements JWTParser {
    private final JWTAuthContextInfoProvider contexts;
    private final VerificationKeyCheck keyCheck;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    /**
     * The key(s) as read at one moment, the parser for them (which caches a resolver for a JWK set), and the
     * parsers for tokens without {@code kid}, by {@code alg}.
     */
    record Loaded(VerificationKeys keys, JWTParser parser, Map<String, JWTParser> withoutKid) {
    }

    public ReloadableJwtParser(JWTAuthContextInfoProvider contexts, VerificationKeyCheck keyCheck) {
        this.contexts = contexts;
        this.keyCheck = keyCheck;
    }

    /**
     * Reads the key again and drops the cached resolver. Blocks on the key's location: the key check's thread.
     *
     * @throws KeyUnavailable when the key cannot be read or verifies none of the configured algorithms (the
     *         previous parser then stays)
     */
    Loaded reload() throws KeyUnavailable {
        JWTAuthContextInfo fresh;
        try {
            fresh = contexts.getContextInfo();
        } catch (RuntimeException e) {
            throw new KeyUnavailable("cannot load the key from " + VerificationKeys.configuredLocation() + ": "
                    + VerificationKeyCheck.rootMessage(e));
        }
        VerificationKeys keys = VerificationKeys.read(fresh);
        Loaded loaded;
        if (keys.pemKey() != null) {
            loaded = new Loaded(keys, withKey(fresh, keys.pemKey(), keys.algorithms()), Map.of());
        } else {
            Map<String, JWTParser> withoutKid = new HashMap<>();
            if (!keys.fetched()) {
                for (SignatureAlgorithm algorithm : keys.algorithms()) {
                    PublicKey sole = keys.soleKeyFor(algorithm);
                    if (sole != null) {
                        withoutKid.put(algorithm.getAlgorithm(), withKey(fresh, sole, EnumSet.of(algorithm)));
                    }
                }
            }
            JWTParser byKid = new DefaultJWTParser(fresh, new DefaultJWTCallerPrincipalFactory());
            loaded = new Loaded(keys, byKid, Map.copyOf(withoutKid));
        }
        current.set(loaded);
        return loaded;
    }

    /** A parser that verifies with {@code key} alone, {@code algorithms} alone; every other setting as configured. */
    private static JWTParser withKey(JWTAuthContextInfo configured, PublicKey key, Set<SignatureAlgorithm> algorithms) {
        JWTAuthContextInfo context = new JWTAuthContextInfo(configured);
        context.setPublicVerificationKey(key);
        context.setSignatureAlgorithm(algorithms);
        return new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
    }

    /** Parses as {@link #parse(String)} does, without reporting a failure: the key check's own probe. */
    JsonWebToken probe(String token) throws ParseException {
        return delegate(token).parse(token);
    }

    /** The parser for this token: the one for its {@code alg} when it names no {@code kid} and there is one. */
    private JWTParser delegate(String token) throws ParseException {
        Loaded loaded = loaded();
        if (loaded.withoutKid().isEmpty()) {
            return loaded.parser();
        }
        Map<String, Object> header = header(token);
        if (header == null || header.get("kid") != null) {
            return loaded.parser();
        }
        return loaded.withoutKid().getOrDefault(String.valueOf(header.get("alg")), loaded.parser());
    }

    /** The token's JOSE header, or null when it has none that reads; the parser then says what is wrong. */
    private static Map<String, Object> header(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            byte[] json = Base64.getUrlDecoder().decode(token.substring(0, dot));
            return JsonUtil.parseJson(new String(json, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | JoseException e) {
            return null;
        }
    }

    private JWTParser delegate() throws ParseException {
        return loaded().parser();
    }

    private Loaded loaded() throws ParseException {
        Loaded loaded = current.get();
        if (loaded == null) {
            throw new ParseException("the verification key is not loaded yet",
                    new org.jose4j.lang.UnresolvableKeyException("not loaded yet"));
        }
        return loaded;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        try {
            return delegate(token).parse(token);
        } catch (ParseException e) {
            if (VerificationKeyCheck.isKeyFailure(e)) {
                keyCheck.tokenRefusedForKey(e);
            }
            throw e;
        }
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo otherContext) throws ParseException {
        return delegate().parse(token, otherContext);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return delegate().verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return delegate().verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return delegate().verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return delegate().decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return delegate().decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return delegate().decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return delegate().parseOnly(token);
    }
}
