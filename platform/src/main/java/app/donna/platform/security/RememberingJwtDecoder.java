package app.donna.platform.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * Remembers the access tokens it has verified, so a client that sends the same token with every request
 * pays for parsing it and checking its signature (an RSA or EC verification, about a seventh of
 * ingress-api's CPU per chat message) once.
 *
 * <p>Only what cannot change for the same bytes is skipped: a remembered token goes through the validator
 * again on every use (expiry and not-before, issuer, audience, type), so it stops working the moment it
 * expires. Tokens that fail are not remembered. As with any JWT, a token whose signing key the issuer
 * withdraws stays valid until it expires; the JWK set itself is cached by the decoder for minutes anyway.
 * Bounded: when full, the entries least likely to be used again are forgotten first (Caffeine's policy).
 */
final class RememberingJwtDecoder implements JwtDecoder {

    private final JwtDecoder verifier;
    private final OAuth2TokenValidator<Jwt> validator;
    private final Cache<String, Jwt> verified;

    /**
     * @param verifier  parses, verifies and validates a token seen for the first time
     * @param validator the checks that {@code verifier} runs after the signature, run again on every use
     * @param capacity  how many tokens to remember
     */
    RememberingJwtDecoder(JwtDecoder verifier, OAuth2TokenValidator<Jwt> validator, int capacity) {
        this.verifier = verifier;
        this.validator = validator;
        // Caffeine: lock-free reads, so concurrent requests do not queue on one lock as a synchronized map made them.
        // Its upkeep runs on the calling thread: a few map operations, no need for the common pool.
        this.verified = Caffeine.newBuilder()
                .maximumSize(capacity)
                .executor(Runnable::run)
                .build();
    }

    @Override
    public Jwt decode(String token) {
        Jwt known = verified.getIfPresent(token);
        if (known == null) {
            Jwt jwt = verifier.decode(token);
            verified.put(token, jwt);
            return jwt;
        }
        OAuth2TokenValidatorResult result = validator.validate(known);
        if (result.hasErrors()) {
            verified.invalidate(token);
            throw new JwtValidationException(
                    "An error occurred while attempting to decode the Jwt: "
                            + result.getErrors().iterator().next().getDescription(),
                    result.getErrors());
        }
        return known;
    }
}
