package app.donna.platform.dev;

import app.donna.platform.security.DonnaSecurityAutoConfiguration;
import app.donna.platform.security.JwtDecoders;
import app.donna.platform.security.SecuritySettings;
import com.nimbusds.jose.JOSEException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * The dev token issuer, present only when {@value #ENABLED} is true ({@code donna dev} sets it on
 * ingress-api). In every other mode {@code /dev/**} does not exist. Its tokens are verified with the key
 * it holds, so no request ever waits for this process to discover itself over HTTP.
 */
@AutoConfiguration(before = DonnaSecurityAutoConfiguration.class)
@ConditionalOnBooleanProperty(DevTokenIssuerAutoConfiguration.ENABLED)
@Import(DevTokenController.class)
public class DevTokenIssuerAutoConfiguration {

    public static final String ENABLED = "donna.dev.token-issuer.enabled";
    public static final String PATHS = "/dev/**";

    private static final Logger log = LoggerFactory.getLogger(DevTokenIssuerAutoConfiguration.class);

    @Bean
    DevTokenIssuer devTokenIssuer(
            SecuritySettings security, @Value("${donna.dev.token-issuer.lifetime:8h}") Duration lifetime) {
        if (security.jwt().issuerUri().isBlank()) {
            throw new IllegalStateException("the dev token issuer needs donna.security.jwt.issuer-uri "
                    + "(the URL its tokens name as iss, ending in /dev)");
        }
        log.warn("DEV TOKEN ISSUER ENABLED: anyone who can reach /dev/token gets a valid token. Never in production.");
        return new DevTokenIssuer(security.jwt().issuerUri(), security.jwt().audiences(), lifetime, Clock.systemUTC());
    }

    /** User tokens are this issuer's: checked with its public key, with every check any issuer's get. */
    @Bean
    JwtDecoder jwtDecoder(DevTokenIssuer issuer, SecuritySettings security) {
        try {
            return JwtDecoders.forKey(issuer.publicKey().toRSAPublicKey(), security.jwt());
        } catch (JOSEException e) {
            throw new IllegalStateException("the dev issuer's key is not an RSA public key", e);
        }
    }
}
