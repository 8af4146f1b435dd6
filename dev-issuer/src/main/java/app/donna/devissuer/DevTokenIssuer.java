package app.donna.devissuer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * A local token issuer for {@code donna dev} only: an RSA key made at start-up, its public half published
 * as a JWK set, and real RS256-signed RFC 9068 access tokens ({@code typ: at+jwt}) for any dev user. The
 * services verify them exactly as they verify a production issuer's tokens, so authentication is never
 * switched off.
 */
public final class DevTokenIssuer {

    private final RSAKey key;
    private final String issuer;
    private final List<String> audiences;
    private final Duration lifetime;
    private final Clock clock;
    /** Spring Security's encoder: the same minting path as visitor tokens. */
    private final JwtEncoder encoder;

    public DevTokenIssuer(String issuer, List<String> audiences, Duration lifetime, Clock clock) {
        this.key = newKey();
        this.issuer = issuer;
        this.audiences = List.copyOf(audiences);
        this.lifetime = lifetime;
        this.clock = clock;
        this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
    }

    public String issuer() {
        return issuer;
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** A signed access token for {@code subject}. */
    public String mint(String subject) {
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(issuer)
                .subject(subject)
                .audience(audiences)
                .issuedAt(now)
                .notBefore(now)
                .expiresAt(now.plus(lifetime))
                .id(UUID.randomUUID().toString())
                .claim("client_id", "donna-dev")
                .claim("scope", "donna")
                .build();
        return encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(SignatureAlgorithm.RS256)
                                .keyId(key.getKeyID())
                                .type("at+jwt")
                                .build(),
                        claims))
                .getTokenValue();
    }

    /**
     * Signs any claims, however malformed, with this issuer's key, by hand rather than through the encoder
     * (which would not let through what tests must see refused).
     */
    public String sign(JWTClaimsSet claims, String type) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(type == null ? null : new JOSEObjectType(type))
                .build();
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign dev token", e);
        }
    }

    /** The public signing key, for tests that try to abuse it (e.g. as an HMAC secret). */
    public RSAKey publicKey() {
        return key.toPublicJWK();
    }

    public List<String> audiences() {
        return audiences;
    }

    /** The public JWK set, as served at {@code /dev/jwks.json}. */
    public Map<String, Object> jwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject();
    }

    private static RSAKey newKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            return new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                    .privateKey((RSAPrivateKey) pair.getPrivate())
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyID("dev-" + UUID.randomUUID().toString().substring(0, 8))
                    .build();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
