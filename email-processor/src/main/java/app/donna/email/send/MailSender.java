package app.donna.email.send;

import app.donna.email.account.GmailCalls;
import app.donna.email.account.GmailCalls.Cost;
import app.donna.email.account.GmailConnections;
import app.donna.email.account.GmailHeaders;
import app.donna.email.account.GmailSettings;
import app.donna.email.mime.OutgoingMail;
import app.donna.email.work.DueWork;
import app.donna.email.work.Published;
import app.donna.events.common.SendOrigin;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.EmailSent;
import app.donna.events.email.SendEmailRequested;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import com.google.api.services.gmail.model.Draft;
import com.google.api.services.gmail.model.ListMessagesResponse;
import com.google.api.services.gmail.model.Message;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Sends what the ledger holds, at most once: each due job is claimed, built ({@link OutgoingMail}: header
 * injection refused, RFC 2047 names and subjects, a reply threaded with {@code In-Reply-To} and
 * {@code References}, base64url without padding), marked {@code sending}, sent through Gmail, and marked
 * {@code sent}; then {@code EmailSent} is published. A job found {@code sending} (a crash, or a call whose
 * answer never came) is first looked for in Gmail by its Message-ID and, if there, not sent again.
 * Throttling and Google's failures wait (that mailbox's {@code Retry-After}, else a doubling backoff) and are
 * logged as {@code EmailFailed} marked retryable; a refusal, a lost grant or the last attempt end the job
 * with {@code EmailFailed} saying what to do.
 */
@Component
class MailSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MailSender.class);

    /** A mail ready to go: raw for a new one, or the draft to send; its Message-ID; its thread. */
    private record Prepared(String raw, String draftId, String messageId, String threadId, String subject) {}

    private final SendLedger ledger;
    private final GmailCalls calls;
    private final GmailConnections connections;
    private final GmailSettings.Send settings;
    private final Published published;
    private final Clock clock;
    private final MeterRegistry meters;
    private final DueWork<SendLedger.Entry> due;

    MailSender(
            SendLedger ledger,
            GmailCalls calls,
            GmailConnections connections,
            GmailSettings settings,
            Published published,
            Clock clock,
            MeterRegistry meters) {
        this.ledger = ledger;
        this.calls = calls;
        this.connections = connections;
        this.settings = settings.send();
        this.published = published;
        this.clock = clock;
        this.meters = meters;
        this.due = new DueWork<>(
                "gmail-send",
                this.settings.tick(),
                this.settings.concurrency(),
                room -> ledger.claimDue(this.settings.lease(), room),
                this::process);
    }

    @Override
    public void start() {
        if (settings.enabled()) {
            due.start();
        }
    }

    @Override
    public void stop() {
        due.close();
    }

    @Override
    public boolean isRunning() {
        return due.running();
    }

    /** Looks for due sends now (a job was recorded). */
    void soon() {
        due.soon();
    }

    /** The Message-ID a new mail of {@code job} carries: its job id, at the mailbox's domain. */
    String messageIdFor(SendEmailRequested job) {
        return OutgoingMail.messageId(
                "donna." + job.getJobId(),
                connections.of(job.getUserId()).map(c -> c.emailAddress()).orElse(null));
    }

    void process(SendLedger.Entry entry) {
        try {
            attempt(entry);
        } catch (RuntimeException e) {
            // the broker or the database failed us: the ledger says where the job stands; try it again soon
            try {
                ledger.dueAt(entry.jobId(), clock.instant().plus(settings.backoff()));
            } catch (RuntimeException alsoDown) {
                // its lease ends in time
            }
            throw e;
        }
    }

    private void attempt(SendLedger.Entry entry) {
        SendEmailRequested job = entry.request();
        switch (entry.state()) {
            case SendLedger.SENT -> {
                publishSent(entry, entry.gmailMessageId(), entry.threadId(), job.getSubject());
                return;
            }
            case SendLedger.FAILED -> {
                publishFailed(entry, entry.lastError(), false, "final");
                return;
            }
            default -> {
                // pending or sending: on below
            }
        }
        boolean counted = false;
        try {
            if (entry.state().equals(SendLedger.SENDING) && entry.messageId() != null) {
                Optional<Message> there = sentWithId(entry.userId(), entry.messageId());
                if (there.isPresent()) {
                    log.info(
                            "Send job {} was found in Gmail after an interrupted attempt; it is not sent again",
                            entry.jobId());
                    ledger.sent(entry.jobId(), there.get().getId(), there.get().getThreadId());
                    publishSent(entry, there.get().getId(), there.get().getThreadId(), job.getSubject());
                    return;
                }
            }
            if (entry.attempts() >= settings.maxAttempts()) {
                giveUp(
                        entry,
                        "Gmail did not take the mail after " + entry.attempts() + " attempts (last: "
                                + entry.lastError() + "). Send it again later.");
                return;
            }
            Prepared mail = prepare(entry);
            if (!ledger.sending(entry, mail.messageId())) {
                return; // another instance moved it meanwhile
            }
            counted = true;
            Message sent = mail.draftId() != null
                    ? calls.call(
                            entry.userId(),
                            Cost.SEND,
                            gmail -> gmail.users()
                                    .drafts()
                                    .send("me", new Draft().setId(mail.draftId()))
                                    .execute())
                    : calls.call(
                            entry.userId(),
                            Cost.SEND,
                            gmail -> gmail.users()
                                    .messages()
                                    .send("me", new Message().setRaw(mail.raw()).setThreadId(mail.threadId()))
                                    .execute());
            ledger.sent(entry.jobId(), sent.getId(), sent.getThreadId());
            log.info("Send job {} of {} sent as Gmail message {}", entry.jobId(), entry.userId(), sent.getId());
            count(entry, "sent");
            publishSent(entry, sent.getId(), sent.getThreadId(), mail.subject());
        } catch (OutgoingMail.Refused e) {
            giveUp(entry, e.getMessage());
        } catch (GmailCalls.Failed e) {
            switch (e.kind()) {
                case NOT_CONNECTED ->
                    giveUp(entry, e.getMessage() + ". Connect Gmail again, then send the mail again.");
                case REJECTED -> giveUp(entry, e.getMessage() + ". The mail was not sent.");
                case NOT_FOUND ->
                    giveUp(
                            entry,
                            job.getGmailDraftId() != null
                                    ? "The draft is no longer in Gmail (sent or deleted meanwhile)."
                                    : "The message this replies to is no longer in Gmail.");
                case THROTTLED, UNAVAILABLE -> retry(entry, e, counted);
            }
        }
    }

    private void retry(SendLedger.Entry entry, GmailCalls.Failed e, boolean counted) {
        int attempt = entry.attempts() + 1;
        Instant now = clock.instant();
        Duration backoff = settings.backoff().multipliedBy(1L << Math.min(attempt - 1, 16));
        if (backoff.compareTo(settings.maxBackoff()) > 0) {
            backoff = settings.maxBackoff();
        }
        Instant next = e.kind() == GmailCalls.Kind.THROTTLED && e.retryAt() != null ? e.retryAt() : now.plus(backoff);
        String reason = e.getMessage() + "; trying again at " + next.truncatedTo(ChronoUnit.SECONDS) + " (attempt "
                + attempt + " of " + settings.maxAttempts() + ")";
        ledger.retryAt(entry.jobId(), e.getMessage(), next, counted);
        count(entry, e.kind().name().toLowerCase(Locale.ROOT));
        log.warn("Send job {} of {}: {}", entry.jobId(), entry.userId(), reason);
        try {
            published.on(Topics.EMAIL_EVENTS, entry.userId(), failed(entry, reason, true, "attempt-" + attempt));
        } catch (RuntimeException notPublished) {
            log.warn("The failed attempt of send job {} could not be logged on the topic", entry.jobId());
        }
    }

    private void giveUp(SendLedger.Entry entry, String reason) {
        ledger.failed(entry.jobId(), reason);
        count(entry, "failed");
        log.warn("Send job {} of {} failed: {}", entry.jobId(), entry.userId(), reason);
        publishFailed(entry, reason, false, "final");
    }

    /** Counts an outcome of a send ({@code donna.gmail.sends}), by who asked for it. */
    private void count(SendLedger.Entry entry, String outcome) {
        meters.counter(
                        "donna.gmail.sends",
                        "outcome",
                        outcome,
                        "origin",
                        entry.request().getOrigin().name().toLowerCase(Locale.ROOT))
                .increment();
    }

    /** The mail as Gmail takes it, with what it replies to looked up. */
    private Prepared prepare(SendLedger.Entry entry) throws GmailCalls.Failed {
        SendEmailRequested job = entry.request();
        String user = entry.userId();
        if (job.getGmailDraftId() != null) {
            String draftId = job.getGmailDraftId();
            Draft draft = calls.call(
                    user,
                    Cost.GET,
                    gmail -> gmail.users()
                            .drafts()
                            .get("me", draftId)
                            .setFormat("metadata")
                            .execute());
            Message m = draft.getMessage();
            return new Prepared(
                    null,
                    draftId,
                    GmailHeaders.of(m, "Message-ID")
                            .filter(OutgoingMail::isMessageId)
                            .orElse(null),
                    m == null ? null : m.getThreadId(),
                    GmailHeaders.of(m, "Subject").orElse(job.getSubject()));
        }
        var mailbox = connections
                .of(user)
                .orElseThrow(() -> new OutgoingMail.Refused(
                        "No Gmail mailbox is connected. Connect Gmail, then send the mail again."));
        Optional<String> inReplyTo = Optional.empty();
        List<String> references = List.of();
        String threadId = job.getThreadId();
        if (job.getInReplyToGmailMessageId() != null) {
            String id = job.getInReplyToGmailMessageId();
            Message original = calls.call(
                    user,
                    Cost.GET,
                    gmail -> gmail.users()
                            .messages()
                            .get("me", id)
                            .setFormat("metadata")
                            .setMetadataHeaders(List.of("Message-ID", "References", "In-Reply-To"))
                            .execute());
            Optional<String> originalId =
                    GmailHeaders.of(original, "Message-ID").filter(OutgoingMail::isMessageId);
            references = OutgoingMail.referencesOfReplyTo(originalId, GmailHeaders.of(original, "References"));
            inReplyTo = originalId;
            if (threadId == null) {
                threadId = original.getThreadId();
            }
        }
        OutgoingMail mail = new OutgoingMail(
                new OutgoingMail.Address(mailbox.emailAddress(), Optional.empty()),
                OutgoingMail.Address.parseAll("recipient", job.getTo()),
                OutgoingMail.Address.parseAll("copy recipient", job.getCc()),
                OutgoingMail.Address.parseAll("blind copy recipient", job.getBcc()),
                job.getSubject(),
                job.getBodyText(),
                entry.messageId(),
                inReplyTo,
                references,
                job.getOrigin() == SendOrigin.AUTOPILOT);
        return new Prepared(mail.raw(), null, entry.messageId(), threadId, job.getSubject());
    }

    /** The sent mail with this Message-ID, if Gmail has one (drafts are not sent mail). */
    private Optional<Message> sentWithId(String user, String messageId) throws GmailCalls.Failed {
        String bare = messageId.replaceAll("^<|>$", "");
        ListMessagesResponse found = calls.call(
                user,
                Cost.LIST,
                gmail -> gmail.users()
                        .messages()
                        .list("me")
                        .setQ("rfc822msgid:" + bare + " in:sent")
                        .setMaxResults(1L)
                        .execute());
        return found.getMessages() == null || found.getMessages().isEmpty()
                ? Optional.empty()
                : Optional.of(found.getMessages().getFirst());
    }

    private void publishSent(SendLedger.Entry entry, String gmailMessageId, String threadId, String subject) {
        SendEmailRequested job = entry.request();
        published.on(
                Topics.EMAIL_EVENTS,
                entry.userId(),
                EmailSent.newBuilder()
                        .setEventId(DerivedIds.of("email-sent", entry.jobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(entry.userId())
                        .setJobId(entry.jobId())
                        .setSentGmailMessageId(gmailMessageId)
                        .setThreadId(threadId)
                        .setTo(job.getTo())
                        .setSubject(subject == null ? "" : subject)
                        .setOrigin(job.getOrigin())
                        .build());
        ledger.published(entry.jobId());
    }

    private void publishFailed(SendLedger.Entry entry, String reason, boolean retryable, String which) {
        published.on(Topics.EMAIL_EVENTS, entry.userId(), failed(entry, reason, retryable, which));
        ledger.published(entry.jobId());
    }

    private EmailFailed failed(SendLedger.Entry entry, String reason, boolean retryable, String which) {
        return EmailFailed.newBuilder()
                .setEventId(DerivedIds.of("email-failed", entry.jobId() + "/" + which))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(entry.userId())
                .setJobId(entry.jobId())
                .setReason(reason)
                .setRetryable(retryable)
                .build();
    }
}
