package com.escrowplatform.realtime.testsupport;

import java.util.List;
import java.util.function.Function;

/**
 * The tokens every way into the service must refuse (CONTRACT 1), by readable name: the gateway's auth
 * matrices run each of them through each token carrier. Each is made for the user it names, so that a
 * token that wrongly got through would show up as that user.
 */
public final class BadTokens {
    /** Long enough to pass no sane size check by accident, short enough for Quarkus' 20 KiB header limit. */
    public static final int OVERSIZED_BYTES = 16 * 1024;

    private BadTokens() {
    }

    /** One refused token kind. */
    public record Kind(String name, Function<String, String> forUser) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static List<Kind> all() {
        return List.of(
                new Kind("alg none", TestTokens::algNone),
                new Kind("HS256 with the public key as secret", TestTokens::hmacWithPublicKey),
                new Kind("HS256 with a shared secret", TestTokens::hmac),
                new Kind("expired", TestTokens::expired),
                new Kind("not yet valid (nbf)", TestTokens::notYetValid),
                new Kind("wrong iss", TestTokens::wrongIssuer),
                new Kind("wrong aud", TestTokens::wrongAudience),
                new Kind("no sub", user -> TestTokens.withoutSub()),
                new Kind("no exp", TestTokens::withoutExp),
                new Kind("bad signature", TestTokens::badSignature),
                new Kind("truncated", TestTokens::truncated),
                new Kind("16 KB", user -> TestTokens.oversized(user, OVERSIZED_BYTES)),
                new Kind("another key", TestTokens::unknownKey),
                new Kind("kid naming no key", TestTokens::unknownKid),
                new Kind("not a JWT", user -> "not-a-token"));
    }
}
