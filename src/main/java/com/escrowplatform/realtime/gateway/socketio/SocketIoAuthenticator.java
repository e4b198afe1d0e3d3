package com.escrowplatform.realtime.gateway.socketio;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.escrowplatform.realtime.security.Caller;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Verifies the token a Socket.IO client sends in its CONNECT auth payload ({@code {token}}): Socket.IO
 * carries it there, not on the upgrade, so the HTTP security layer never sees it. Same verification as REST
 * (SmallRye JWT's parser with the {@code mp.jwt.verify.*} settings) plus the rule of
 * {@code TokenIdentityAugmentor}: {@code sub} present and at most 128 characters.
 */
@ApplicationScoped
class SocketIoAuthenticator {

    private final JWTParser parser;
    private final Vertx vertx;

    SocketIoAuthenticator(JWTParser parser, Vertx vertx) {
        this.parser = parser;
        this.vertx = vertx;
    }

    /** Who the token names and until when. */
    record Verified(Caller caller, long expiresAtEpochSecond) {
    }

    /**
     * Verifies on a worker thread (signature checks cost CPU, and a remote key set may have to be fetched),
     * completing on the caller's Vert.x context. Fails when the token is invalid.
     */
    Future<Verified> verify(String token) {
        return vertx.executeBlocking(() -> verifyNow(token), false);
    }

    /** Verifies on the calling thread, which it may hold for a signature check or a key fetch. */
    Verified verifyNow(String token) throws ParseException {
        JsonWebToken jwt = parser.parse(token);
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank() || subject.length() > Caller.MAX_USER_ID_LENGTH) {
            throw new ParseException("sub is missing or too long");
        }
        Set<String> groups = jwt.getGroups();
        boolean support = groups != null && groups.contains(Caller.SUPPORT_ROLE);
        return new Verified(new Caller(subject, support), jwt.getExpirationTime());
    }
}
