package app.donna.email.account;

import app.donna.platform.crypto.SealedSecrets;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The keys that open what ingress-api sealed and seal the refresh tokens kept here, read once from
 * {@code donna.gmail.secret-keys}: a malformed key stops the service at start, saying what is wrong. Empty
 * when none are configured.
 */
@Component
public class GmailKeys {

    private final Optional<SealedSecrets> secrets;

    GmailKeys(GmailSettings settings) {
        this.secrets = settings.secretKeys().isBlank()
                ? Optional.empty()
                : Optional.of(SealedSecrets.fromConfig(settings.secretKeys()));
    }

    public Optional<SealedSecrets> secrets() {
        return secrets;
    }
}
