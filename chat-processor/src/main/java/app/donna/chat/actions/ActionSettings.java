package app.donna.chat.actions;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the business's integrations receive what callers ask for ({@code donna.actions.*}).
 *
 * @param webhooks         webhook URL by action kind ({@code secretary.take_message}) or by integration
 *                         ({@code secretary}); the kind's wins
 * @param signingSecret    the secret each delivery is signed with (HMAC-SHA256); at least 32 bytes when
 *                         any webhook is configured
 * @param timeout          how long one attempt may take, connection included
 * @param attempts         attempts per action before it is given up (and dead-lettered)
 * @param firstRetryAfter  the wait after the first failed attempt
 * @param retryMultiplier  how much longer each next wait is
 * @param allowedAddresses internal addresses webhooks may nevertheless reach, exactly as written
 *                         ({@code 127.0.0.1}, {@code 10.0.4.7}); none by default
 * @param groupId          the dispatcher's consumer group (not the Kafka Streams application's id)
 */
@Validated
@ConfigurationProperties("donna.actions")
public record ActionSettings(
        @DefaultValue Map<String, URI> webhooks,
        @DefaultValue("") String signingSecret,
        @NotNull @DefaultValue("5s") Duration timeout,
        @Min(1) @DefaultValue("4") int attempts,
        @NotNull @DefaultValue("1s") Duration firstRetryAfter,
        @DecimalMin("1.0") @DefaultValue("4") double retryMultiplier,
        @DefaultValue Set<String> allowedAddresses,
        @DefaultValue("chat-processor-actions") String groupId) {

    @AssertTrue(message = "donna.actions.signing-secret must be at least 32 bytes when a webhook is configured")
    public boolean isSigningSecretSetWhenNeeded() {
        return webhooks == null || webhooks.isEmpty() || (signingSecret != null && signingSecret.length() >= 32);
    }

    /** The webhook for an action: its kind's, else its integration's. */
    public Optional<URI> webhookFor(String kind, String integration) {
        URI url = webhooks.get(kind);
        return Optional.ofNullable(url != null ? url : webhooks.get(integration));
    }
}
