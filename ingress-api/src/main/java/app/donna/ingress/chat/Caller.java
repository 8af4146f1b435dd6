package app.donna.ingress.chat;

import app.donna.platform.security.AnonymousSessionTokens;
import java.util.Optional;
import java.util.UUID;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Who is calling: a signed-in user, or an anonymous visitor whose token is bound to one session.
 * Visitors and users live in separate namespaces: a user whose identity provider gave them the subject
 * {@code anon:<session>} is still a user, and never that visitor.
 *
 * @param userId       the token's subject ({@code anon:<session>} for visitors)
 * @param boundSession for visitors, the only session they may use
 */
public record Caller(String userId, Optional<UUID> boundSession) {

    public static Caller of(Jwt jwt) {
        if (AnonymousSessionTokens.ISSUER.equals(jwt.getClaimAsString("iss"))) {
            return new Caller(
                    jwt.getSubject(),
                    Optional.of(UUID.fromString(jwt.getClaimAsString(AnonymousSessionTokens.SESSION_CLAIM))));
        }
        return new Caller(jwt.getSubject(), Optional.empty());
    }

    static Caller visitor(UUID session) {
        return new Caller(AnonymousSessionTokens.subjectFor(session), Optional.of(session));
    }

    public boolean anonymous() {
        return boundSession.isPresent();
    }

    /** Whether {@code session}, owned by {@code owner}, is this caller's. */
    boolean owns(UUID session, SessionOwners.Owner owner) {
        if (boundSession.isPresent() && !boundSession.get().equals(session)) {
            return false;
        }
        return owner.userId().equals(userId) && owner.anonymous() == anonymous();
    }
}
