package com.escrowplatform.realtime.security;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is calling: the token's {@code sub} (never {@code upn} or a display name) and whether the caller
 * has the {@code support} role, which may read any escrow and resolve disputes (CONTRACT 1).
 */
public record Caller(String userId, boolean support) {

    public static final String SUPPORT_ROLE = "support";
    /** The longest {@code sub}, and so the longest user id anywhere: user rooms, Kafka keys, escrow parties. */
    public static final int MAX_USER_ID_LENGTH = 128;

    public static Caller of(SecurityIdentity identity) {
        JsonWebToken token = (JsonWebToken) identity.getPrincipal();
        return new Caller(token.getSubject(), identity.hasRole(SUPPORT_ROLE));
    }
}
