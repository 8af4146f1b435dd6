package app.donna.email.account;

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
 * @param sync           how mailboxes are kept in sync
 * @param send           how mail is sent
 * @param quotaPerSecond the Gmail quota units one mailbox may spend a second (Google's per-user limit is
 *                       250); a call that would overspend waits briefly, then is put off
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
        @DefaultValue("email-processor-connect") String groupId,
        @NotNull @DefaultValue Sync sync,
        @NotNull @DefaultValue Send send,
        @DefaultValue("250") int quotaPerSecond) {

    /**
     * Keeping mailboxes in sync ({@code donna.gmail.sync}).
     *
     * @param enabled     whether this instance syncs at all
     * @param interval    how often each mailbox is synced, give or take {@code jitter}
     * @param jitter      the most a mailbox's next sync moves either way, so mailboxes do not sync in step
     * @param tick        how often due mailboxes are looked for
     * @param window      how far back the first sync (and a sync whose history Gmail forgot) reaches
     * @param maxMessages the most messages such a full sync reads
     * @param concurrency how many mailboxes one instance syncs at once
     * @param lease       how long a claimed mailbox is left to its instance before another may sync it
     * @param maxBackoff  the longest a failing mailbox waits before it is tried again
     */
    public record Sync(
            @DefaultValue("true") boolean enabled,
            @NotNull @DefaultValue("60s") Duration interval,
            @NotNull @DefaultValue("10s") Duration jitter,
            @NotNull @DefaultValue("2s") Duration tick,
            @NotNull @DefaultValue("7d") Duration window,
            @DefaultValue("100") int maxMessages,
            @DefaultValue("4") int concurrency,
            @NotNull @DefaultValue("5m") Duration lease,
            @NotNull @DefaultValue("30m") Duration maxBackoff) {}

    /**
     * Sending ({@code donna.gmail.send}).
     *
     * @param maxAttempts how many times one mail is tried before it is given up, saying why
     * @param backoff     the wait after a first failure, doubled after each further one
     * @param maxBackoff  the longest wait between two attempts
     * @param tick        how often due sends are looked for
     * @param concurrency how many mails one instance sends at once
     * @param lease       how long a claimed send is left to its instance (longer than a Gmail call may take)
     * @param groupId     the consumer group of the send jobs
     * @param enabled     whether this instance sends at all (off: send jobs wait on the topic)
     */
    public record Send(
            @DefaultValue("6") int maxAttempts,
            @NotNull @DefaultValue("5s") Duration backoff,
            @NotNull @DefaultValue("10m") Duration maxBackoff,
            @NotNull @DefaultValue("500ms") Duration tick,
            @DefaultValue("4") int concurrency,
            @NotNull @DefaultValue("2m") Duration lease,
            @DefaultValue("email-processor-send") String groupId,
            @DefaultValue("true") boolean enabled) {}

    public boolean configured() {
        return !clientId.isBlank() && !clientSecret.isBlank() && !secretKeys.isBlank();
    }
}
