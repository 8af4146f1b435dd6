package app.donna.email.connect;

import app.donna.email.account.GmailCalls;
import app.donna.email.account.GmailConnections;
import app.donna.email.account.GmailKeys;
import app.donna.email.account.GmailSettings;
import app.donna.email.account.GoogleAccounts;
import app.donna.email.work.Published;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnectRequested;
import app.donna.events.email.GmailDisconnected;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Connects and disconnects mailboxes. Connecting ({@code GmailConnectRequested} on {@code donna.email.jobs}) opens the
 * sealed code and verifier, exchanges them with Google, reads the mailbox's address, keeps the refresh
 * token sealed for its user ({@link GmailConnections}) and publishes {@code GmailConnected}; or
 * {@code EmailFailed} with a reason the user can act on. A job read again after its connection was made
 * (a restart before the offset was committed) publishes the same {@code GmailConnected} again rather than
 * spend the code twice. No code, verifier or token is logged or published in clear.
 */
@Component
class GmailConnectionJobs {

    private static final Logger log = LoggerFactory.getLogger(GmailConnectionJobs.class);

    private final GmailSettings settings;
    private final GoogleAccounts google;
    private final GmailConnections connections;
    private final GmailCalls calls;
    private final Published published;
    private final Clock clock;
    /** Null when no keys are configured: every connection then fails, saying so. */
    private final SealedSecrets secrets;

    GmailConnectionJobs(
            GmailSettings settings,
            GoogleAccounts google,
            GmailConnections connections,
            GmailCalls calls,
            GmailKeys keys,
            Published published,
            Clock clock) {
        this.settings = settings;
        this.google = google;
        this.connections = connections;
        this.calls = calls;
        this.published = published;
        this.clock = clock;
        this.secrets = keys.secrets().orElse(null);
    }

    @KafkaListener(
            id = "gmail-connect",
            topics = "donna.email.jobs",
            groupId = "${donna.gmail.group-id:email-processor-connect}")
    void onJob(ConsumerRecord<String, SpecificRecordBase> record) {
        switch (record.value()) {
            case GmailConnectRequested job -> connect(job);
            case GmailDisconnectRequested job -> disconnect(job);
            default -> {
                // the other jobs are other features'
            }
        }
    }

    /** What a user does when Donna could not revoke its grant itself. */
    private static final String REMOVE_ACCESS = "remove Donna's access at https://myaccount.google.com/permissions.";

    /**
     * Disconnects: revokes Google's grant with the stored refresh token, then forgets the connection, and
     * publishes {@code GmailDisconnected}. The connection is forgotten even when Google cannot be reached
     * (the user asked for it gone); the event then says the grant may live on, and how to end it.
     */
    private void disconnect(GmailDisconnectRequested job) {
        String user = job.getUserId();
        var stored = connections.of(user);
        boolean revoked = false;
        String note = null;
        if (stored.isEmpty()) {
            note = "No Gmail mailbox was connected.";
        } else if (secrets == null) {
            note = "The stored grant could not be read here (no DONNA_SECRET_KEYS): " + REMOVE_ACCESS;
        } else {
            try {
                google.revoke(secrets.open(stored.get().refreshTokenSealed(), SealedContexts.gmailRefreshToken(user)));
                revoked = true;
            } catch (SealedSecrets.NotOpened e) {
                note = "The stored grant could not be read (" + e.getMessage() + "): " + REMOVE_ACCESS;
            } catch (GoogleAccounts.Unavailable e) {
                note = e.getMessage() + ": " + REMOVE_ACCESS;
            }
        }
        stored.ifPresent(s -> connections.delete(user));
        calls.forget(user);
        log.info("Gmail disconnected for {} (job {}): revoked {}", user, job.getJobId(), revoked);
        publish(
                job.getUserId(),
                job.getJobId(),
                GmailDisconnected.newBuilder()
                        .setEventId(DerivedIds.of("gmail-disconnected", job.getJobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(user)
                        .setJobId(job.getJobId())
                        .setEmailAddress(stored.map(GmailConnections.Stored::emailAddress)
                                .orElse(null))
                        .setRevoked(revoked)
                        .setNote(note)
                        .build());
    }

    private void connect(GmailConnectRequested job) {
        String user = job.getUserId();
        var made = connections.madeBy(job.getJobId());
        if (made.isPresent()) {
            log.info("Gmail connection job {} was done already; publishing its outcome again", job.getJobId());
            connected(job, made.get().emailAddress(), made.get().scopes());
            return;
        }
        if (!settings.configured() || secrets == null) {
            failed(
                    job,
                    "Gmail is not configured here (DONNA_GMAIL_CLIENT_ID, DONNA_GMAIL_CLIENT_SECRET, DONNA_SECRET_KEYS).",
                    false);
            return;
        }
        String code;
        String verifier;
        try {
            code = secrets.open(job.getAuthorizationCode(), SealedContexts.gmailOAuthCode(user));
            verifier = job.getCodeVerifier() == null
                    ? null
                    : secrets.open(job.getCodeVerifier(), SealedContexts.gmailOAuthVerifier(user));
        } catch (SealedSecrets.NotOpened e) {
            failed(
                    job,
                    "The connection request could not be read (" + e.getMessage() + "). Connect Gmail again.",
                    false);
            return;
        }
        try {
            GoogleAccounts.Grant grant = google.exchange(code, verifier, job.getRedirectUri());
            if (grant.refreshToken() == null) {
                failed(
                        job,
                        "Google granted no offline access, so the mailbox cannot be kept in sync. Connect Gmail again and allow it.",
                        false);
                return;
            }
            String mailbox = google.mailboxOf(grant.accessToken());
            connections.save(
                    user,
                    mailbox,
                    secrets.seal(grant.refreshToken(), SealedContexts.gmailRefreshToken(user)),
                    grant.scopes(),
                    job.getJobId(),
                    job.getWorkspaceId());
            log.info("Gmail mailbox connected for {} (job {}, scopes {})", user, job.getJobId(), grant.scopes());
            connected(job, mailbox, grant.scopes());
        } catch (GoogleAccounts.Refused e) {
            failed(job, e.getMessage() + ". Connect Gmail again.", false);
        } catch (GoogleAccounts.Unavailable e) {
            // the code may be spent already: asking again could only be refused, so the user starts afresh
            failed(job, e.getMessage() + ". Try connecting Gmail again in a moment.", true);
        }
    }

    private void connected(GmailConnectRequested job, String mailbox, List<String> scopes) {
        publish(
                job,
                GmailConnected.newBuilder()
                        .setEventId(DerivedIds.of("gmail-connected", job.getJobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(job.getUserId())
                        .setEmailAddress(mailbox)
                        .setScopes(scopes)
                        .setWorkspaceId(job.getWorkspaceId())
                        .build());
    }

    private void failed(GmailConnectRequested job, String reason, boolean retryable) {
        log.warn("Gmail connection job {} for {} failed: {}", job.getJobId(), job.getUserId(), reason);
        publish(
                job,
                EmailFailed.newBuilder()
                        .setEventId(DerivedIds.of("email-failed", job.getJobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(job.getUserId())
                        .setJobId(job.getJobId())
                        .setReason(reason)
                        .setRetryable(retryable)
                        .build());
    }

    private void publish(GmailConnectRequested job, SpecificRecordBase outcome) {
        publish(job.getUserId(), job.getJobId(), outcome);
    }

    /** Published before the job's offset is committed; a failure here has the record read again. */
    private void publish(String userId, UUID jobId, SpecificRecordBase outcome) {
        published.on(Topics.EMAIL_EVENTS, userId, outcome);
    }
}
