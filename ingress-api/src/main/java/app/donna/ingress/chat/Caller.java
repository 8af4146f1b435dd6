package app.donna.ingress.chat;

import java.util.Optional;
import java.util.UUID;

import app.donna.platform.security.AnonymousSessionTokens;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Who is calling: a signed-in user, or an anonymous visitor whose token is bound to one session.
 *
 * @param userId       the token's subject ({@code anon:<session>} for visitors)
 * @param boundSession for visitors, the only session they may use
 */
record Caller(String userId, Optional<UUID> boundSession) {

    static Caller of(Jwt jwt) {
        if (AnonymousSessionTokens.ISSUER.equals(jwt.getClaimAsString("iss"))) {
            return new Caller(jwt.getSubject(),
                    Optional.of(UUID.fromString(jwt.getClaimAsString(AnonymousSessionTokens.SESSION_CLAIM))));
        }
        return new Caller(jwt.getSubject(), Optional.empty());
    }

    boolean anonymous() {
        return boundSession.isPresent();
    }

    /** Whether this caller may use {@code session}, given its owner in the read model (if it is there yet). */
    boolean mayUse(UUID session, Optional<String> owner) {
        if (boundSession.isPresent() && !boundSession.get().equals(session)) {
            return false;
        }
        return owner.map(userId::equals).orElse(true);
    }
}
