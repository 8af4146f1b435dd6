package app.donna.platform.security;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestOperations;
import org.springframework.web.client.RestTemplate;

/**
 * Builds the access-token decoder from {@link SecuritySettings.Jwt}: signature by a key of the issuer's
 * JWK set with an allowed asymmetric algorithm ({@code alg: none} and HMAC are refused), not expired or
 * not yet valid, the configured issuer and audience, and a {@code typ} of {@code JWT} or RFC 9068's
 * {@code at+jwt} (or none, as many issuers omit it), an expiry ({@code exp}, required by RFC 8725 and
 * RFC 9068) and a subject fit to be a user id. Verified tokens are remembered
 * ({@link RememberingJwtDecoder}). The issuer's metadata and keys are discovered in the background with
 * short HTTP timeouts ({@link DiscoveringJwtDecoder}).
 */
public final class JwtDecoders {

    /** Verified tokens kept (each a few kilobytes with its claims): the active users' current tokens. */
    private static final int REMEMBERED_TOKENS = 10_000;

    private JwtDecoders() {}

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
        RestOperations http = http(settings.httpTimeout());
        OAuth2TokenValidator<Jwt> validator = validator(settings);
        // Discovered in the background: the issuer may be unreachable while this service starts, and
        // discovery must neither fail start-up nor hold requests.
        JwtDecoder discovering = new DiscoveringJwtDecoder(
                hasIssuer ? settings.issuerUri() : settings.jwkSetUri(),
                () -> decoder(
                        settings,
                        validator,
                        hasJwks ? settings.jwkSetUri() : discoverJwkSetUri(settings.issuerUri(), http),
                        http),
                Duration.ofSeconds(1),
                Duration.ofSeconds(30));
        return new RememberingJwtDecoder(discovering, validator, REMEMBERED_TOKENS);
    }

    /**
     * A decoder for tokens signed by keys this process holds (an issuer running in it, e.g. donna dev's):
     * no discovery, no network, and the same checks as for any issuer.
     */
    static JwtDecoder forKeys(JWKSource<SecurityContext> keys, SecuritySettings.Jwt settings) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(keys)
                .jwsAlgorithms(algs -> {
                    algs.clear();
                    settings.algorithms().forEach(a -> algs.add(asymmetric(a)));
                })
                // typ is the validator's to check (JWT, at+jwt or none), as with validateType(false) elsewhere
                .jwtProcessorCustomizer(processor -> processor.setJWSTypeVerifier((type, context) -> {}))
                .build();
        OAuth2TokenValidator<Jwt> validator = validator(settings);
        decoder.setJwtValidator(validator);
        return new RememberingJwtDecoder(decoder, validator, REMEMBERED_TOKENS);
    }

    private static NimbusJwtDecoder decoder(
            SecuritySettings.Jwt settings, OAuth2TokenValidator<Jwt> validator, String jwkSetUri, RestOperations http) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri)
                .restOperations(http)
                .jwsAlgorithms(algs -> {
                    algs.clear();
                    settings.algorithms().forEach(a -> algs.add(asymmetric(a)));
                })
                .validateType(false)
                .build();
        decoder.setJwtValidator(validator);
        return decoder;
    }

    /**
     * OpenID Connect discovery (RFC 8414's metadata path as a fallback): the JWK set URI of an issuer that
     * names itself exactly as configured. The keys are fetched once too, so that "discovered" means usable.
     */
    private static String discoverJwkSetUri(String issuer, RestOperations http) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        Map<?, ?> metadata;
        try {
            metadata = http.getForObject(base + "/.well-known/openid-configuration", Map.class);
        } catch (HttpClientErrorException.NotFound e) {
            URI uri = URI.create(base);
            metadata = http.getForObject(
                    uri.resolve("/.well-known/oauth-authorization-server" + uri.getRawPath()), Map.class);
        }
        if (metadata == null
                || !issuer.equals(metadata.get("issuer"))
                || !(metadata.get("jwks_uri") instanceof String jwks)) {
            throw new IllegalStateException("the metadata of " + issuer + " names another issuer or no jwks_uri");
        }
        http.getForObject(jwks, String.class);
        return jwks;
    }

    /** Short timeouts: a slow identity provider must cost a request seconds, not minutes. */
    private static RestOperations http(Duration timeout) {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(timeout);
        requests.setReadTimeout(timeout);
        return new RestTemplate(requests);
    }

    static OAuth2TokenValidator<Jwt> validator(SecuritySettings.Jwt settings) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        // Not JwtValidators.createDefault(): since Spring Security 7 it also insists on typ JWT.
        validators.add(new JwtTimestampValidator());
        validators.add(JwtDecoders::requireExpiryAndSubject);
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

    /**
     * A token without {@code exp} would be good forever (and remembered forever); a subject must exist and
     * fit where user ids are kept (255 characters, printable).
     */
    static OAuth2TokenValidatorResult requireExpiryAndSubject(Jwt jwt) {
        if (jwt.getExpiresAt() == null) {
            return OAuth2TokenValidatorResult.failure(
                    new OAuth2Error("invalid_token", "The token has no expiry", null));
        }
        String sub = jwt.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > 255 || sub.chars().anyMatch(Character::isISOControl)) {
            return OAuth2TokenValidatorResult.failure(
                    new OAuth2Error("invalid_token", "The token has no usable subject", null));
        }
        return OAuth2TokenValidatorResult.success();
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
