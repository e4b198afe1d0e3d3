package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.escrowplatform.realtime.testsupport.TestTokens;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Pins the SmallRye JWT behaviour that {@link ReloadableJwtParser} exists for: a key set that reads as no
 * key at the first token leaves a key resolver that refuses every later token, even once the file is good;
 * only a new parser loads the key again. If a SmallRye upgrade changes this, this test says so.
 */
class SmallRyeKeyResolverCacheTest {

    @Test
    void shouldKeepRefusingValidTokensAfterAFirstLoadThatFoundNoKeyUntilAFreshParser(@TempDir Path dir) throws Exception {
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, "{\"keys\":[{\"kty\":\"RSA\",");
        JWTAuthContextInfo context = new JWTAuthContextInfo(jwks.toString(), TestTokens.ISSUER);
        context.setSignatureAlgorithm(EnumSet.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256));
        context.setExpectedAudience(Set.of(TestTokens.AUDIENCE));
        DefaultJWTParser cached = new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
        String token = TestTokens.forUser("alice");

        assertThatThrownBy(() -> cached.parse(token)).isInstanceOf(ParseException.class)
                .satisfies(e -> assertThat(VerificationKeyCheck.isKeyFailure(e)).isTrue());

        writeGoodKeySet(jwks);
        assertThatThrownBy(() -> cached.parse(token)).as("the resolver built from the bad read is kept")
                .isInstanceOf(ParseException.class)
                .satisfies(e -> assertThat(VerificationKeyCheck.isKeyFailure(e)).isTrue());

        DefaultJWTParser fresh = new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
        assertThat(fresh.parse(token).getSubject()).isEqualTo("alice");
    }

    @Test
    void shouldRetryTheLoadOnTheNextTokenWhenTheKeyFileWasMissing(@TempDir Path dir) throws Exception {
        Path jwks = dir.resolve("jwks.json");
        JWTAuthContextInfo context = new JWTAuthContextInfo(jwks.toString(), TestTokens.ISSUER);
        context.setSignatureAlgorithm(EnumSet.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256));
        context.setExpectedAudience(Set.of(TestTokens.AUDIENCE));
        DefaultJWTParser parser = new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
        String token = TestTokens.forUser("bob");

        assertThatThrownBy(() -> parser.parse(token)).isInstanceOf(ParseException.class)
                .satisfies(e -> assertThat(VerificationKeyCheck.isKeyFailure(e)).isTrue());
        writeGoodKeySet(jwks);
        assertThat(parser.parse(token).getSubject()).isEqualTo("bob");
    }

    private static void writeGoodKeySet(Path jwks) throws IOException {
        try (InputStream good = SmallRyeKeyResolverCacheTest.class.getClassLoader().getResourceAsStream("dev-keys/jwks.json")) {
            Files.write(jwks, good.readAllBytes());
        }
    }
}
