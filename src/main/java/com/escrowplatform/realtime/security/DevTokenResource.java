package com.escrowplatform.realtime.security;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.smallrye.jwt.build.Jwt;

/**
 * Mints a token signed with the dev keys (src/main/resources/dev-keys) so that a person can try the API
 * with curl in the dev run. A prod build does not contain this endpoint at all.
 */
@Path("/dev/token")
@UnlessBuildProfile("prod")
@Tag(name = "Dev")
public class DevTokenResource {

    @ConfigProperty(name = "mp.jwt.verify.issuer")
    String issuer;

    public record TokenRequest(
            @NotBlank @Size(max = Caller.MAX_USER_ID_LENGTH) String userId,
            List<@Pattern(regexp = "[a-z_-]{1,32}") String> roles,
            @Min(1) @Max(86_400) Integer ttlSeconds) {
    }

    public record TokenResponse(String token, long expiresAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "mintDevToken", summary = "Dev and test only: a token for the given user and roles",
            description = "Signed with the dev keys, which only the dev and test profiles trust.")
    @SecurityRequirements // no token needed: this call hands one out
    @APIResponse(responseCode = "200", description = "The token and its expiry (epoch seconds).")
    @APIResponse(responseCode = "400", ref = "InvalidBody")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public TokenResponse mint(@Valid @NotNull TokenRequest request) {
        Duration ttl = Duration.ofSeconds(request.ttlSeconds() == null ? 3600 : request.ttlSeconds());
        long expiresAt = System.currentTimeMillis() / 1000 + ttl.toSeconds();
        String token = Jwt.issuer(issuer)
                .subject(request.userId())
                .audience("escrow-realtime")
                .groups(request.roles() == null ? Set.of() : Set.copyOf(request.roles()))
                .expiresAt(expiresAt)
                .jws().keyId("dev-rsa")
                .sign("dev-keys/rsa-private.pem");
        return new TokenResponse(token, expiresAt);
    }
}
