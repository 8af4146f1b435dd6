package app.donna.devissuer;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dev issuer's sign-in for browsers: OAuth 2.0 authorization codes with PKCE (RFC 7636, S256 only),
 * as a real provider issues them to a public client such as the web console. A code is for one client,
 * one redirect URI and one verifier, redeemed once within a minute. Anyone may sign in as anyone: this is
 * {@code donna dev}'s issuer, never production's.
 */
public final class DevSignIn {

    static final Duration CODE_LIFETIME = Duration.ofMinutes(1);

    private record Grant(String subject, String clientId, String redirectUri, String challenge, Instant expires) {}

    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final URI issuer;
    private final Clock clock;

    public DevSignIn(String issuer, Clock clock) {
        this.issuer = URI.create(issuer);
        this.clock = clock;
    }

    /**
     * Whether a browser may be sent back to {@code redirectUri}: only to this issuer's own origin (the
     * console that ingress-api serves beside it), so a code never leaves for another site.
     */
    public boolean acceptsRedirect(String redirectUri) {
        try {
            URI uri = URI.create(redirectUri);
            return uri.getFragment() == null
                    && issuer.getScheme().equals(uri.getScheme())
                    && issuer.getHost().equals(uri.getHost())
                    && issuer.getPort() == uri.getPort();
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    /** A fresh single-use code for {@code subject}, bound to the client, redirect URI and S256 challenge. */
    public String issue(String subject, String clientId, String redirectUri, String challenge) {
        codes.values().removeIf(g -> g.expires().isBefore(clock.instant()));
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        codes.put(
                code,
                new Grant(
                        subject,
                        clientId,
                        redirectUri,
                        challenge,
                        clock.instant().plus(CODE_LIFETIME)));
        return code;
    }

    /** The subject of {@code code}, removing it, if the client, redirect URI and verifier match it. */
    public Optional<String> redeem(String code, String clientId, String redirectUri, String verifier) {
        Grant grant = code == null ? null : codes.remove(code);
        if (grant == null
                || grant.expires().isBefore(clock.instant())
                || !grant.clientId().equals(clientId)
                || !grant.redirectUri().equals(redirectUri)
                || verifier == null
                || !MessageDigest.isEqual(
                        challengeOf(verifier).getBytes(StandardCharsets.US_ASCII),
                        grant.challenge().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(grant.subject());
    }

    /** BASE64URL(SHA-256(verifier)), without padding. */
    public static String challengeOf(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
