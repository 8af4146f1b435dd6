package app.donna.devissuer;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;

/**
 * The dev token issuer, present only when this jar is on the classpath (the {@code donna} command's, never
 * a service's) and {@value #ENABLED} is true ({@code donna dev} sets it on ingress-api). Anywhere else
 * {@code /dev/**} does not exist. It publishes its public key as the process's {@link JWKSource}, which the
 * platform checks user tokens against, so no request waits for this process to discover itself over HTTP.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(DevTokenIssuerAutoConfiguration.ENABLED)
@Import({DevTokenController.class, DevSignInController.class})
public class DevTokenIssuerAutoConfiguration {

    public static final String ENABLED = "donna.dev.token-issuer.enabled";
    public static final String PATHS = "/dev/**";

    private static final Logger log = LoggerFactory.getLogger(DevTokenIssuerAutoConfiguration.class);

    @Bean
    DevTokenIssuer devTokenIssuer(
            Environment environment,
            @Value("${donna.security.jwt.issuer-uri:}") String issuerUri,
            @Value("${donna.dev.token-issuer.lifetime:8h}") Duration lifetime) {
        if (issuerUri.isBlank()) {
            throw new IllegalStateException("the dev token issuer needs donna.security.jwt.issuer-uri "
                    + "(the URL its tokens name as iss, ending in /dev)");
        }
        List<String> audiences = Binder.get(environment)
                .bind("donna.security.jwt.audiences", Bindable.listOf(String.class))
                .orElse(List.of());
        log.warn("DEV TOKEN ISSUER ENABLED: anyone who can reach /dev/token gets a valid token. Never in production.");
        return new DevTokenIssuer(issuerUri, audiences, lifetime, Clock.systemUTC());
    }

    @Bean
    DevSignIn devSignIn(DevTokenIssuer issuer) {
        return new DevSignIn(issuer.issuer(), Clock.systemUTC());
    }

    /** User tokens are this issuer's: the platform checks them with its public key, as any issuer's. */
    @Bean
    JWKSource<SecurityContext> devTokenIssuerKeys(DevTokenIssuer issuer) {
        return new ImmutableJWKSet<>(new JWKSet(issuer.publicKey()));
    }

    /** The issuer's endpoints are for anyone: that is how a dev user gets a token. */
    @Bean
    Customizer<HttpSecurity> devTokenIssuerPathsArePublic() {
        return http ->
                http.authorizeHttpRequests(auth -> auth.requestMatchers(PATHS).permitAll());
    }
}
