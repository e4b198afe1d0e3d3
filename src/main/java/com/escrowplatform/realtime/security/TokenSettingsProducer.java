package com.escrowplatform.realtime.security;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.config.JWTAuthContextInfoProvider;

/**
 * The application-scoped {@link JWTAuthContextInfo} that Quarkus' bearer-token mechanism reads its settings
 * from (header, cookie, schemes). SmallRye's own producer reads a file or classpath key while creating it and
 * throws when the key is not there yet, which made every authenticated request a 500 until a restart; this one
 * never throws. Tokens are verified with {@link ReloadableJwtParser}'s own context, read again until the key
 * loads, never with this one: a key missing here only means the defaults (Authorization: Bearer), which are
 * the settings this service runs with.
 */
@ApplicationScoped
public class TokenSettingsProducer {
    private static final Logger LOG = Logger.getLogger(TokenSettingsProducer.class);

    @Produces
    @Alternative
    @Priority(1)
    @ApplicationScoped
    JWTAuthContextInfo tokenSettings(JWTAuthContextInfoProvider provider) {
        try {
            return provider.getContextInfo();
        } catch (RuntimeException keyNotReadable) {
            LOG.debugf("token settings without the key, which is not readable yet: %s", keyNotReadable.toString());
            return new JWTAuthContextInfo();
        }
    }
}
