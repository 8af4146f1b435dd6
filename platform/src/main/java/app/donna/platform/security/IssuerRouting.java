package app.donna.platform.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtIssuerAuthenticationManagerResolver;

/**
 * Sends each bearer token to the verifier of the issuer it names, through Spring Security's
 * {@link JwtIssuerAuthenticationManagerResolver}: Donna's own visitor tokens to the anonymous-session
 * decoder, every other issuer to the identity provider's. The unverified {@code iss} only picks the
 * verifier; each verifier then checks signature, issuer and audience itself. A token without {@code iss}
 * is refused.
 */
final class IssuerRouting {

    private IssuerRouting() {}

    static AuthenticationManagerResolver<HttpServletRequest> of(
            JwtDecoder userTokens, Optional<JwtDecoder> visitorTokens) {
        AuthenticationManager users = telling503(new ProviderManager(new JwtAuthenticationProvider(userTokens)));
        Optional<AuthenticationManager> visitors =
                visitorTokens.map(d -> telling503(new ProviderManager(new JwtAuthenticationProvider(d))));
        return new JwtIssuerAuthenticationManagerResolver(
                issuer -> AnonymousSessionTokens.ISSUER.equals(issuer) ? visitors.orElse(null) : users);
    }

    /**
     * Thrown when a token cannot be checked because the identity provider is unavailable: an
     * authentication failure the entry point answers with 503 (Spring would rethrow the
     * {@link AuthenticationServiceException} it otherwise becomes, and the servlet container answer 500).
     */
    static final class ProviderUnavailable extends AuthenticationException {
        ProviderUnavailable(Throwable cause) {
            super("identity provider unavailable", cause);
        }
    }

    private static AuthenticationManager telling503(AuthenticationManager manager) {
        return authentication -> {
            try {
                return manager.authenticate(authentication);
            } catch (AuthenticationServiceException e) {
                if (e.getCause() instanceof IdentityProviderUnavailableException) {
                    throw new ProviderUnavailable(e.getCause());
                }
                throw e;
            }
        };
    }
}
