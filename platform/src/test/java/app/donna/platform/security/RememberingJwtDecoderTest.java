package app.donna.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

class RememberingJwtDecoderTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static RSAKey issuerKey;

    private final MutableClock clock = new MutableClock();
    private final JwtTimestampValidator timestamps = new JwtTimestampValidator(Duration.ofSeconds(60));
    private final AtomicInteger verifications = new AtomicInteger();
    private RememberingJwtDecoder decoder = remembering(100);

    @BeforeAll
    static void keys() throws JOSEException {
        issuerKey = new RSAKeyGenerator(2048).keyID("k1").generate();
    }

    @Test
    void aTokenIsVerifiedOnceAndThenRecognised() throws Exception {
        String token = token("alice", NOW.plusSeconds(300), issuerKey);

        assertThat(decoder.decode(token).getSubject()).isEqualTo("alice");
        assertThat(decoder.decode(token).getSubject()).isEqualTo("alice");

        assertThat(verifications).hasValue(1);
    }

    @Test
    void aRememberedTokenIsRefusedOnceItExpires() throws Exception {
        String token = token("alice", NOW.plusSeconds(300), issuerKey);
        decoder.decode(token);

        clock.now = NOW.plusSeconds(300 + 61); // past the expiry and the minute of allowed clock skew

        assertThatThrownBy(() -> decoder.decode(token))
                .isInstanceOf(JwtValidationException.class)
                .hasMessageContaining("expired");
        assertThat(verifications).as("refused without verifying again").hasValue(1);
        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtValidationException.class);
        assertThat(verifications)
                .as("forgotten, so verified (and refused) afresh")
                .hasValue(2);
    }

    @Test
    void aTokenThatFailsVerificationIsNotRemembered() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
        String forged = token("mallory", NOW.plusSeconds(300), stranger);

        assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(BadJwtException.class);

        assertThat(verifications).hasValue(2);
    }

    @Test
    void itRemembersNoMoreTokensThanItsCapacity() throws Exception {
        decoder = remembering(2);
        List<String> tokens = new java.util.ArrayList<>();
        for (String user : List.of("a", "b", "c", "d", "e")) {
            tokens.add(token(user, NOW.plusSeconds(300), issuerKey));
        }
        tokens.forEach(decoder::decode);
        assertThat(verifications).hasValue(5);

        tokens.forEach(decoder::decode); // at most two of the five can still be remembered
        assertThat(verifications.get()).isGreaterThanOrEqualTo(5 + 3);
    }

    private RememberingJwtDecoder remembering(int capacity) {
        timestamps.setClock(clock);
        NimbusJwtDecoder nimbus;
        try {
            nimbus = NimbusJwtDecoder.withPublicKey(issuerKey.toRSAPublicKey()).build();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        nimbus.setJwtValidator(timestamps);
        JwtDecoder counted = token -> {
            verifications.incrementAndGet();
            return nimbus.decode(token);
        };
        return new RememberingJwtDecoder(counted, timestamps, capacity);
    }

    private static String token(String subject, Instant expiresAt, RSAKey key) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder()
                        .subject(subject)
                        .issueTime(Date.from(NOW))
                        .expirationTime(Date.from(expiresAt))
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static final class MutableClock extends Clock {
        Instant now = NOW;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
