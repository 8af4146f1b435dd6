package app.donna.platform.security;

import app.donna.platform.workspace.WorkspaceIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Short-lived tokens for anonymous website visitors, each bound to one chat session: HS256 with a secret
 * only Donna's services know, issuer {@value #ISSUER}, subject {@code anon:<session>}, claim
 * {@value #SESSION_CLAIM}. They are verified by their own decoder, chosen by issuer, so the HMAC secret
 * can never be confused with the identity provider's keys.
 */
public final class AnonymousSessionTokens {

    public static final String ISSUER = "urn:donna:anonymous";
    public static final String AUDIENCE = "donna-widget";
    public static final String SESSION_CLAIM = "sid";
    public static final String SUBJECT_PREFIX = "anon:";

    private final byte[] secret;
    private final Duration lifetime;
    private final Clock clock;
    /** Spring Security's encoder: the same minting path as the dev issuer's tokens. */
    private final JwtEncoder encoder;

    public AnonymousSessionTokens(String secret, Duration lifetime, Clock clock) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        if (this.secret.length < 32) {
            throw new IllegalStateException("donna.security.anonymous.secret must be at least 32 bytes");
        }
        this.lifetime = lifetime;
        this.clock = clock;
        this.encoder = NimbusJwtEncoder.withSecretKey(new SecretKeySpec(this.secret, "HmacSHA256"))
                .algorithm(MacAlgorithm.HS256)
                .build();
    }

    public Duration lifetime() {
        return lifetime;
    }

    public static String subjectFor(UUID session) {
        return SUBJECT_PREFIX + session;
    }

    /**
     * A visitor's token for {@code session}, opened on the website of {@code workspaceId}: the claim
     * {@value app.donna.platform.workspace.WorkspaceIdentity#VISITOR_WORKSPACE_CLAIM} tells services that
     * cannot ask the database (voice-relay) whose visitor it is.
     */
    public String mint(UUID session, String workspaceId) {
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(ISSUER)
                .subject(subjectFor(session))
                .audience(List.of(AUDIENCE))
                .claim(SESSION_CLAIM, session.toString())
                .claim(WorkspaceIdentity.VISITOR_WORKSPACE_CLAIM, workspaceId)
                .issuedAt(now)
                .notBefore(now)
                .expiresAt(now.plus(lifetime))
                .id(UUID.randomUUID().toString())
                .build();
        return encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(MacAlgorithm.HS256).type("JWT").build(), claims))
                .getTokenValue();
    }

    JwtDecoder decoder() {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
                .macAlgorithm(MacAlgorithm.HS256)
                .build();
        OAuth2Error wrongAudience = new OAuth2Error("invalid_token", "not a widget token", null);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(
                new JwtTimestampValidator(),
                new JwtIssuerValidator(ISSUER),
                jwt -> jwt.getAudience() != null
                                && jwt.getAudience().contains(AUDIENCE)
                                && jwt.getClaimAsString(SESSION_CLAIM) != null
                                && jwt.getSubject().equals(SUBJECT_PREFIX + jwt.getClaimAsString(SESSION_CLAIM))
                        ? OAuth2TokenValidatorResult.success()
                        : OAuth2TokenValidatorResult.failure(wrongAudience))));
        return decoder;
    }
}
