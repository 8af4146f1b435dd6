package app.donna.platform.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call a service ({@code donna.security.*}).
 *
 * @param jwt            how user access tokens are verified
 * @param internalSecret shared secret of system-to-system calls ({@code X-Internal-Secret}); blank disables them
 * @param publicPaths    paths anyone may call, as {@code /path/**} or {@code POST /path} (health and info are always public)
 * @param internalPaths  paths under {@code /api} that systems call with the internal secret, and only they
 *                       (everything else under {@code /api} acts for a person), written like public paths
 * @param anonymous      tokens for anonymous website visitors, bound to one chat session
 */
@Validated
@ConfigurationProperties("donna.security")
public record SecuritySettings(
        @Valid @NotNull @DefaultValue Jwt jwt,
        @DefaultValue("") String internalSecret,
        @DefaultValue List<String> publicPaths,
        @DefaultValue List<String> internalPaths,
        @Valid @NotNull @DefaultValue Anonymous anonymous) {

    /**
     * @param secret   HMAC secret (at least 32 bytes) shared by the services that mint or accept visitor
     *                 tokens; blank turns anonymous sessions off
     * @param lifetime how long a visitor token is valid
     */
    public record Anonymous(
            @DefaultValue("") String secret,
            @DefaultValue("2h") java.time.Duration lifetime) {

        public boolean enabled() {
            return !secret.isBlank();
        }
    }

    /**
     * Any OIDC issuer (Clerk, Auth0, Keycloak, ...) works by configuration.
     *
     * @param issuerUri  expected {@code iss}; also where the JWK set is discovered when no jwkSetUri is set
     * @param jwkSetUri  where the signing keys are published
     * @param audiences  accepted {@code aud} values; a token must name at least one (empty: not checked)
     * @param algorithms accepted signature algorithms (asymmetric only: an HMAC key would be the public key)
     * @param required   fail at start-up when no issuer is configured; services without user APIs set false
     * @param httpTimeout how long one call to the issuer (discovery, keys) may take to connect, and to answer
     */
    public record Jwt(
            @DefaultValue("") String issuerUri,
            @DefaultValue("") String jwkSetUri,
            @DefaultValue List<String> audiences,
            @DefaultValue({"RS256", "ES256"}) List<String> algorithms,
            @DefaultValue("true") boolean required,
            @DefaultValue("3s") java.time.Duration httpTimeout) {}

    public boolean internalCallsEnabled() {
        return !internalSecret.isBlank();
    }
}
