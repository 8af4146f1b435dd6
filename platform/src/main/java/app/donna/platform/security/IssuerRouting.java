package app.donna.platform.security;

import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.Optional;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Sends each bearer token to the verifier of the issuer it names: Donna's own visitor tokens to the
 * anonymous-session decoder, everything else to the identity provider's. The unverified {@code iss} only
 * picks the verifier; each verifier then checks signature, issuer and audience itself.
 */
final class IssuerRouting implements AuthenticationManagerResolver<HttpServletRequest> {

    private final DefaultBearerTokenResolver tokens = new DefaultBearerTokenResolver();
    private final AuthenticationManager users;
    private final Optional<AuthenticationManager> visitors;

    IssuerRouting(JwtDecoder userTokens, Optional<JwtDecoder> visitorTokens) {
        this.users = telling503(new ProviderManager(new JwtAuthenticationProvider(userTokens)));
        this.visitors = visitorTokens.map(d -> telling503(new ProviderManager(new JwtAuthenticationProvider(d))));
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

    @Override
    public AuthenticationManager resolve(HttpServletRequest request) {
        if (visitors.isPresent() && AnonymousSessionTokens.ISSUER.equals(issuerOf(tokens.resolve(request)))) {
            return visitors.get();
        }
        return users;
    }

    private static String issuerOf(String token) {
        if (token == null) {
            return null;
        }
        try {
            return JWTParser.parse(token).getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            return null;
        }
    }
}
