package app.donna.email.connect;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Google as email-processor uses it ({@code donna.gmail}).
 *
 * @param clientId       the Google OAuth client's id (none: connecting fails, saying Gmail is not configured)
 * @param clientSecret   its secret, which only this service holds
 * @param tokenEndpoint  Google's token endpoint, or a stand-in's
 * @param revokeEndpoint Google's revocation endpoint, or a stand-in's
 * @param gmailRootUrl   the Gmail API's root URL, or a stand-in's
 * @param secretKeys     the keys secrets are sealed with ({@code <id>:<base64 of 32 bytes>,...}, the first
 *                       current), shared with ingress-api, which seals the codes it hands on
 * @param timeout        how long one call to Google may take
 * @param groupId        the consumer group of the connect jobs
 */
@Validated
@ConfigurationProperties("donna.gmail")
public record GmailSettings(
        @DefaultValue("") String clientId,
        @DefaultValue("") String clientSecret,

        @NotNull @DefaultValue("https://oauth2.googleapis.com/token")
        URI tokenEndpoint,

        @NotNull @DefaultValue("https://oauth2.googleapis.com/revoke")
        URI revokeEndpoint,

        @NotNull @DefaultValue("https://gmail.googleapis.com/")
        String gmailRootUrl,

        @DefaultValue("") String secretKeys,
        @NotNull @DefaultValue("10s") Duration timeout,
        @DefaultValue("email-processor-connect") String groupId) {

    public boolean configured() {
        return !clientId.isBlank() && !clientSecret.isBlank() && !secretKeys.isBlank();
    }
}
