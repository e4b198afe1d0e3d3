package com.escrowplatform.realtime.security;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.SecretKey;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.eclipse.microprofile.jwt.JsonWebToken;

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
 * <p>Threads: any. The delegate is swapped atomically; a parse in flight finishes on the one it started with.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class ReloadableJwtParser implements JWTParser {
    private final JWTAuthContextInfoProvider contexts;
    private final VerificationKeyCheck keyCheck;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    /** A context (settings and key text as read at one moment) and the parser that caches a resolver for it. */
    record Loaded(JWTAuthContextInfo context, JWTParser parser) {
    }

    public ReloadableJwtParser(JWTAuthContextInfoProvider contexts, VerificationKeyCheck keyCheck) {
        this.contexts = contexts;
        this.keyCheck = keyCheck;
    }

    /**
     * Reads the key again and drops the cached resolver. Blocks on the key's location: the key check's thread.
     *
     * @throws RuntimeException SmallRye's, when the key cannot be read (the previous parser then stays)
     */
    Loaded reload() {
        JWTAuthContextInfo fresh = contexts.getContextInfo();
        Loaded loaded = new Loaded(fresh, new DefaultJWTParser(fresh, new DefaultJWTCallerPrincipalFactory()));
        current.set(loaded);
        return loaded;
    }

    /** Parses with the current delegate, without reporting a failure: the key check's own probe. */
    JsonWebToken probe(String token) throws ParseException {
        return delegate().parse(token);
    }

    private JWTParser delegate() throws ParseException {
        Loaded loaded = current.get();
        if (loaded == null) {
            throw new ParseException("the verification key is not loaded yet",
                    new org.jose4j.lang.UnresolvableKeyException("not loaded yet"));
        }
        return loaded.parser();
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        try {
            return delegate().parse(token);
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
