package app.donna.platform.dev;

import java.time.Clock;
import java.time.Duration;

import app.donna.platform.security.DonnaSecurityAutoConfiguration;
import app.donna.platform.security.SecuritySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The dev token issuer, present only when {@value #ENABLED} is true ({@code donna dev} sets it on
 * ingress-api). In every other mode {@code /dev/**} does not exist.
 */
@AutoConfiguration(after = DonnaSecurityAutoConfiguration.class)
@ConditionalOnBooleanProperty(DevTokenIssuerAutoConfiguration.ENABLED)
@Import(DevTokenController.class)
public class DevTokenIssuerAutoConfiguration {

    public static final String ENABLED = "donna.dev.token-issuer.enabled";
    public static final String PATHS = "/dev/**";

    private static final Logger log = LoggerFactory.getLogger(DevTokenIssuerAutoConfiguration.class);

    @Bean
    DevTokenIssuer devTokenIssuer(SecuritySettings security,
            @Value("${donna.dev.token-issuer.lifetime:8h}") Duration lifetime) {
        if (security.jwt().issuerUri().isBlank()) {
            throw new IllegalStateException("the dev token issuer needs donna.security.jwt.issuer-uri "
                    + "(the URL its tokens name as iss, ending in /dev)");
        }
        log.warn("DEV TOKEN ISSUER ENABLED: anyone who can reach /dev/token gets a valid token. Never in production.");
        return new DevTokenIssuer(security.jwt().issuerUri(), security.jwt().audiences(), lifetime,
                Clock.systemUTC());
    }
}
