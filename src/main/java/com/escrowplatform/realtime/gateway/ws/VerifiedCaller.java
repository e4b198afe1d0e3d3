package com.escrowplatform.realtime.gateway.ws;

import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.security.TokenIdentityAugmentor;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * What a native socket keeps of its verified token: the caller and the token's expiry (epoch seconds, or
 * {@link #NO_EXPIRY}). Travels from {@link UpgradeAuthentication}'s filter to its upgrade check as one header
 * value, {@code <exp>;<support 0|1>;<sub>}: the sub is last, so it may hold any character.
 */
record VerifiedCaller(Caller caller, long expiresAtEpochSecond) {

    static final long NO_EXPIRY = Long.MAX_VALUE;

    static VerifiedCaller of(SecurityIdentity identity) {
        Long expiresAt = identity.getAttribute(TokenIdentityAugmentor.EXPIRE_TIME);
        return new VerifiedCaller(Caller.of(identity), expiresAt == null ? NO_EXPIRY : expiresAt);
    }

    String encode() {
        return expiresAtEpochSecond + ";" + (caller.support() ? '1' : '0') + ";" + caller.userId();
    }

    static VerifiedCaller decode(String encoded) {
        int first = encoded.indexOf(';');
        long expiresAt = Long.parseLong(encoded.substring(0, first));
        boolean support = encoded.charAt(first + 1) == '1';
        return new VerifiedCaller(new Caller(encoded.substring(first + 3), support), expiresAt);
    }

    boolean expires() {
        return expiresAtEpochSecond != NO_EXPIRY;
    }
}
