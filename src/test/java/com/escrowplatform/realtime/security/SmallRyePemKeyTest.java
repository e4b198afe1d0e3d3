package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
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
 * Pins the SmallRye JWT behaviour that {@link VerificationKeys} works around: a PEM key is read as the type of
 * the first configured algorithm, and the configured algorithms come as a set with no order. An RSA key read
 * with ES256 first is no key at all. If a SmallRye upgrade changes this, this test says so.
 */
class SmallRyePemKeyTest {

    @Test
    void shouldReadAPemKeyAsTheTypeOfTheFirstConfiguredAlgorithm(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("rsa.pem");
        Files.writeString(pem, TestTokens.publicKeyPem("dev-rsa"));
        String token = TestTokens.forUser("alice");

        DefaultJWTParser rsaFirst = parser(pem, SignatureAlgorithm.RS256, SignatureAlgorithm.ES256);
        assertThat(rsaFirst.parse(token).getSubject()).isEqualTo("alice");

        DefaultJWTParser ecFirst = parser(pem, SignatureAlgorithm.ES256, SignatureAlgorithm.RS256);
        assertThatThrownBy(() -> ecFirst.parse(token)).isInstanceOf(ParseException.class)
                .satisfies(e -> assertThat(VerificationKeyCheck.isKeyFailure(e)).as("the key did not load").isTrue());
    }

    private static DefaultJWTParser parser(Path pem, SignatureAlgorithm... algorithms) {
        JWTAuthContextInfo context = new JWTAuthContextInfo(pem.toString(), TestTokens.ISSUER);
        context.setSignatureAlgorithm(new LinkedHashSet<>(List.of(algorithms)));
        context.setExpectedAudience(Set.of(TestTokens.AUDIENCE));
        return new DefaultJWTParser(context, new DefaultJWTCallerPrincipalFactory());
    }
}
