package app.donna.ingress.gmail;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Connecting Gmail ({@code donna.gmail}).
 *
 * @param clientId              the Google OAuth client's id (none: Gmail is not configured, and says so)
 * @param authorizationEndpoint Google's consent page, or a stand-in's
 * @param redirectUri           this service's callback as registered with the Google client
 * @param scopes                the scopes asked for: reading mail and history, and writing drafts and
 *                              sending (compose); nothing wider
 * @param stateLifetime         how long a started connection may take to come back
 * @param afterConnect          where the browser goes when the callback is done ({@code ?gmail=...} added)
 * @param secretKeys            the keys secrets are sealed with ({@code <id>:<base64 of 32 bytes>,...}, the
 *                              first current), shared with email-processor, which opens them
 * @param publishTimeout        how long the callback waits for the broker
 */
@Validated
@ConfigurationProperties("donna.gmail")
public record GmailSettings(
        @DefaultValue("") String clientId,

        @NotNull @DefaultValue("https://accounts.google.com/o/oauth2/v2/auth")
        URI authorizationEndpoint,

        @NotNull @DefaultValue("http://localhost:8080/api/gmail/oauth/callback")
        URI redirectUri,

        @NotEmpty
        @DefaultValue({"https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.compose"
        })
        List<String> scopes,

        @NotNull @DefaultValue("10m") Duration stateLifetime,
        @NotNull @DefaultValue("/") URI afterConnect,
        @DefaultValue("") String secretKeys,
        @NotNull @DefaultValue("10s") Duration publishTimeout) {

    /** Whether connecting can start: a client and keys to seal its secrets with. */
    public boolean configured() {
        return !clientId.isBlank() && !secretKeys.isBlank();
    }
}
