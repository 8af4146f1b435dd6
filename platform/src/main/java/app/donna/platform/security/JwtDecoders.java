package app.donna.platform.security;

import java.util.ArrayList;
import java.util.List;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;

/**
 * Builds the access-token decoder from {@link SecuritySettings.Jwt}: signature by a key of the issuer's
 * JWK set with an allowed asymmetric algorithm ({@code alg: none} and HMAC are refused), not expired or
 * not yet valid, the configured issuer and audience, and a {@code typ} of {@code JWT} or RFC 9068's
 * {@code at+jwt} (or none, as many issuers omit it). Verified tokens are remembered
 * ({@link RememberingJwtDecoder}).
 */
final class JwtDecoders {

    /** Verified tokens kept (each a few kilobytes with its claims): the active users' current tokens. */
    private static final int REMEMBERED_TOKENS = 10_000;

    private JwtDecoders() {
    }

    static JwtDecoder build(SecuritySettings.Jwt settings) {
        boolean hasJwks = !settings.jwkSetUri().isBlank();
        boolean hasIssuer = !settings.issuerUri().isBlank();
        if (!hasJwks && !hasIssuer && !settings.required()) {
            // A service without a user-facing API: user tokens are refused, health and internal calls work.
            return token -> {
                throw new BadJwtException("this service accepts no user tokens");
            };
        }
        if (!hasJwks && !hasIssuer) {
            throw new IllegalStateException("No token issuer configured: set DONNA_JWT_ISSUER_URI (OIDC issuer) "
                    + "or DONNA_JWT_JWK_SET_URI (signing keys), e.g. your Clerk, Auth0 or Keycloak issuer");
        }
        // Built on first use: the issuer may be unreachable while this service starts (or be this very
        // process, in donna dev), and discovery must not fail start-up.
        return new RememberingJwtDecoder(new SupplierJwtDecoder(() -> decoder(settings, hasJwks)),
                validator(settings), REMEMBERED_TOKENS);
    }

    private static JwtDecoder decoder(SecuritySettings.Jwt settings, boolean hasJwks) {
        var builder = hasJwks
                ? NimbusJwtDecoder.withJwkSetUri(settings.jwkSetUri())
                : NimbusJwtDecoder.withIssuerLocation(settings.issuerUri());
        NimbusJwtDecoder decoder = builder
                .jwsAlgorithms(algs -> {
                    algs.clear();
                    settings.algorithms().forEach(a -> algs.add(asymmetric(a)));
                })
                .validateType(false)
                .build();
        decoder.setJwtValidator(validator(settings));
        return decoder;
    }

    static OAuth2TokenValidator<Jwt> validator(SecuritySettings.Jwt settings) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        // Not JwtValidators.createDefault(): since Spring Security 7 it also insists on typ JWT.
        validators.add(new JwtTimestampValidator());
        if (!settings.issuerUri().isBlank()) {
            validators.add(new JwtIssuerValidator(settings.issuerUri()));
        }
        JwtTypeValidator type = new JwtTypeValidator("JWT", "at+jwt", "application/at+jwt");
        type.setAllowEmpty(true);
        validators.add(type);
        if (!settings.audiences().isEmpty()) {
            validators.add(audience(settings.audiences()));
        }
        return new DelegatingOAuth2TokenValidator<>(validators);
    }

    private static OAuth2TokenValidator<Jwt> audience(List<String> accepted) {
        OAuth2Error error = new OAuth2Error("invalid_token", "The token is not meant for this API", null);
        return jwt -> jwt.getAudience() != null && jwt.getAudience().stream().anyMatch(accepted::contains)
                ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(error);
    }

    private static SignatureAlgorithm asymmetric(String name) {
        SignatureAlgorithm alg = SignatureAlgorithm.from(name);
        if (alg == null) {
            throw new IllegalStateException("unknown or non-asymmetric JWT algorithm: " + name
                    + " (allowed: RS256..RS512, PS256..PS512, ES256..ES512)");
        }
        return alg;
    }
}
