package app.donna.platform.security;

import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The identity provider's keys cannot be had right now (discovery not done yet, the provider down or too
 * slow): the token may be perfectly good, so the caller is told to retry (503), not that it is refused.
 */
public final class IdentityProviderUnavailableException extends JwtException {

    public IdentityProviderUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
