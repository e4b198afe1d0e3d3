package com.escrowplatform.realtime.security;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Finishes what signature, issuer and audience checks leave open:
 * <ul>
 * <li>{@code sub} must be present and at most 128 characters (CONTRACT 1);</li>
 * <li>the identity carries its expiry as {@value #EXPIRE_TIME} (epoch seconds). SmallRye JWT does not
 * set it; websockets-next reads it to close a socket when its token expires.</li>
 * </ul>
 */
@ApplicationScoped
public class TokenIdentityAugmentor implements SecurityIdentityAugmentor {
    public static final String EXPIRE_TIME = "quarkus.identity.expire-time";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        String subject = token.getSubject();
        if (subject == null || subject.isBlank() || subject.length() > Caller.MAX_USER_ID_LENGTH) {
            return Uni.createFrom().failure(new AuthenticationFailedException("sub is missing or too long"));
        }
        if (identity.getAttribute(EXPIRE_TIME) != null) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(EXPIRE_TIME, token.getExpirationTime())
                .build());
    }
}
