package app.donna.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

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

    public AnonymousSessionTokens(String secret, Duration lifetime, Clock clock) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        if (this.secret.length < 32) {
            throw new IllegalStateException("donna.security.anonymous.secret must be at least 32 bytes");
        }
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Duration lifetime() {
        return lifetime;
    }

    public static String subjectFor(UUID session) {
        return SUBJECT_PREFIX + session;
    }

    public String mint(UUID session) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subjectFor(session))
                .audience(AUDIENCE)
                .claim(SESSION_CLAIM, session.toString())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign anonymous session token", e);
        }
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
