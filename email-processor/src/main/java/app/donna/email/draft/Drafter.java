package app.donna.email.draft;

import app.donna.email.account.GmailCalls;
import app.donna.email.account.GmailCalls.Cost;
import app.donna.email.account.GmailConnections;
import app.donna.email.account.GmailHeaders;
import app.donna.email.draft.writing.ReplyWriting;
import app.donna.email.mime.OutgoingMail;
import app.donna.email.work.Published;
import app.donna.events.common.SendOrigin;
import app.donna.events.common.TokenUsage;
import app.donna.events.email.DraftCreated;
import app.donna.events.email.DraftReplyRequested;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.SendEmailRequested;
import app.donna.platform.budget.TokenBudget;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import com.google.api.services.gmail.model.Draft;
import com.google.api.services.gmail.model.Message;
import com.google.api.services.gmail.model.MessagePart;
import com.google.api.services.gmail.model.Thread;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Writes a reply to a mail ({@code DraftReplyRequested}): the thread is read from Gmail, the model drafts
 * in the owner's voice ({@link ReplyWriting}: the mail is data, the answer is checked), and the reply
 * becomes a Gmail draft for a person to approve, or, for an autopilot that may send, a
 * {@code SendEmailRequested} of its own (sent at most once by the send ledger). Without a model, or when
 * the model's answer is discarded, the reply is a polite acknowledgement marked degraded. Either way
 * {@code DraftCreated} is published; a job read again publishes the same one.
 */
@Component
class Drafter {

    private static final Logger log = LoggerFactory.getLogger(Drafter.class);
    /** A pause Gmail asks for that is waited out here, rather than failing the draft. */
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    private static final int TRIES = 3;

    /** Why the acknowledgement was used: what {@code DraftCreated.degradedReason} says. */
    static final String BUDGET = "budget";

    static final String NO_MODEL = "no-model";
    static final String MODEL_ERROR = "model-error";
    static final String DISCARDED = "discarded";

    private final DraftRecords records;
    private final DraftModel model;
    private final GmailCalls calls;
    private final GmailConnections connections;
    private final Published published;
    private final Clock clock;
    private final MeterRegistry meters;
    private final TokenBudget budget;

    Drafter(
            DraftRecords records,
            DraftModel model,
            GmailCalls calls,
            GmailConnections connections,
            Published published,
            Clock clock,
            MeterRegistry meters,
            TokenBudget budget) {
        this.budget = budget;
        this.records = records;
        this.model = model;
        this.calls = calls;
        this.connections = connections;
        this.published = published;
        this.clock = clock;
        this.meters = meters;
    }

    void draft(DraftReplyRequested job) {
        Optional<DraftRecords.Written> done = records.of(job.getJobId());
        if (done.isPresent()) {
            log.info("Draft job {} was done already; publishing its outcome again", job.getJobId());
            finish(job, done.get());
            return;
        }
        for (int tryNo = 1; ; tryNo++) {
            try {
                write(job);
                return;
            } catch (GmailCalls.Failed e) {
                Instant now = clock.instant();
                boolean worthWaiting =
                        (e.kind() == GmailCalls.Kind.THROTTLED || e.kind() == GmailCalls.Kind.UNAVAILABLE)
                                && tryNo < TRIES
                                && e.retryAt() != null
                                && Duration.between(now, e.retryAt()).compareTo(LONGEST_WAIT) <= 0;
                if (worthWaiting) {
                    sleepUntil(e.retryAt());
                    continue;
                }
                fail(job, reason(e), e.kind() == GmailCalls.Kind.THROTTLED || e.kind() == GmailCalls.Kind.UNAVAILABLE);
                return;
            } catch (OutgoingMail.Refused e) {
                fail(job, e.getMessage(), false);
                return;
            }
        }
    }

    private void write(DraftReplyRequested job) throws GmailCalls.Failed {
        String user = job.getUserId();
        var mailbox = connections.of(user).orElse(null);
        if (mailbox == null) {
            fail(job, "No Gmail mailbox is connected. Connect Gmail, then ask for the draft again.", false);
            return;
        }
        String threadId = job.getThreadId();
        if (threadId == null) {
            String id = job.getGmailMessageId();
            threadId = calls.call(
                            user,
                            Cost.GET,
                            gmail -> gmail.users()
                                    .messages()
                                    .get("me", id)
                                    .setFormat("minimal")
                                    .execute())
                    .getThreadId();
        }
        String thread = threadId;
        Thread read = calls.call(
                user,
                Cost.THREAD,
                gmail -> gmail.users()
                        .threads()
                        .get("me", thread)
                        .setFormat("full")
                        .execute());
        List<Message> messages = new ArrayList<>(read.getMessages() == null ? List.of() : read.getMessages());
        int target = indexOf(messages, job.getGmailMessageId());
        if (target < 0) {
            fail(job, "The message is no longer in that thread in Gmail.", false);
            return;
        }
        List<Message> upTo = messages.subList(0, target + 1);
        List<ReplyWriting.Mail> mails = upTo.stream().map(Drafter::mail).toList();
        Message original = upTo.getLast();

        ReplyWriting.Proposal reply = null;
        String writtenBy = null;
        String degradedBecause = "no model is configured";
        String degradedReason = NO_MODEL;
        Integer inputTokens = null;
        Integer outputTokens = null;
        Optional<TokenBudget.Spent> spent = budget.spent(mailbox.workspaceId(), null);
        if (model.configured() && spent.isPresent()) {
            degradedBecause = "the workspace's daily model budget is spent";
            degradedReason = BUDGET;
        } else if (model.configured()) {
            try {
                ReplyWriting.Prompt prompt =
                        ReplyWriting.prompt(mailbox.emailAddress(), mails, Optional.ofNullable(job.getInstructions()));
                DraftModel.Answer answer = model.write(prompt);
                // what the model used counts against the budget, whether its answer is used or not
                inputTokens = (int) answer.inputTokens();
                outputTokens = (int) answer.outputTokens();
                degradedReason = DISCARDED;
                if (answer.proposal().isEmpty()) {
                    degradedBecause = "the model's answer was not the JSON asked for";
                } else {
                    ReplyWriting.Verdict verdict = ReplyWriting.check(
                            answer.proposal().get(),
                            mails,
                            mailbox.emailAddress(),
                            Optional.ofNullable(job.getInstructions()));
                    if (verdict.accepted()) {
                        reply = answer.proposal().get();
                        writtenBy = answer.model();
                    } else {
                        degradedBecause = verdict.reason();
                    }
                }
            } catch (DraftModel.Unavailable e) {
                degradedBecause = e.getMessage();
                degradedReason = MODEL_ERROR;
            }
        }
        boolean degraded = reply == null;
        if (degraded) {
            log.info("Draft job {}: the acknowledgement is used ({})", job.getJobId(), degradedBecause);
            reply = ReplyWriting.acknowledgement(mails);
        }
        meters.counter("donna.gmail.drafts", "source", degraded ? "offline" : "model")
                .increment();

        Optional<String> messageId = GmailHeaders.of(original, "Message-ID").filter(OutgoingMail::isMessageId);
        String replyTo = GmailHeaders.of(original, "Reply-To")
                .or(() -> GmailHeaders.of(original, "From"))
                .orElse("");
        OutgoingMail mail = new OutgoingMail(
                new OutgoingMail.Address(mailbox.emailAddress(), Optional.empty()),
                OutgoingMail.Address.parseAll("recipient", List.of(replyTo)),
                reply.subject(),
                reply.body(),
                OutgoingMail.messageId("donna.draft." + job.getJobId(), mailbox.emailAddress()),
                messageId,
                OutgoingMail.referencesOfReplyTo(messageId, GmailHeaders.of(original, "References")),
                job.getOrigin() == SendOrigin.AUTOPILOT);
        String draftId = null;
        if (!job.getSendWhenDrafted()) {
            String raw = mail.raw();
            Draft created = calls.call(
                    user,
                    Cost.DRAFT,
                    gmail -> gmail.users()
                            .drafts()
                            .create(
                                    "me",
                                    new Draft()
                                            .setMessage(
                                                    new Message().setRaw(raw).setThreadId(thread)))
                            .execute());
            draftId = created.getId();
        }
        DraftRecords.Written written = new DraftRecords.Written(
                job.getJobId(),
                job.getGmailMessageId(),
                draftId,
                reply.subject(),
                reply.body(),
                writtenBy,
                degraded,
                replyTo,
                thread,
                inputTokens,
                outputTokens,
                degraded ? degradedReason : null);
        records.save(user, written);
        log.info(
                "Draft job {} of {}: {}{}",
                job.getJobId(),
                user,
                draftId == null ? "to be sent" : "Gmail draft " + draftId,
                degraded ? " (acknowledgement)" : "");
        finish(job, written);
    }

    /**
     * Publishes a written draft's outcome, and the send of a draft that goes at once. Both are derived from
     * the job, so a job read again (after a crash anywhere past {@code records.save}) publishes the same two.
     */
    private void finish(DraftReplyRequested job, DraftRecords.Written written) {
        publish(
                job.getUserId(),
                DraftCreated.newBuilder()
                        .setEventId(DerivedIds.of("draft-created", job.getJobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(job.getUserId())
                        .setJobId(job.getJobId())
                        .setGmailMessageId(job.getGmailMessageId())
                        .setGmailDraftId(written.gmailDraftId())
                        .setSubject(written.subject())
                        .setBody(written.body())
                        .setModel(written.model())
                        .setDegraded(written.degraded())
                        .setDegradedReason(written.degradedReason())
                        .setUsage(
                                written.inputTokens() == null
                                        ? null
                                        : TokenUsage.newBuilder()
                                                .setInputTokens(written.inputTokens())
                                                .setOutputTokens(written.outputTokens())
                                                .setTotalTokens(written.inputTokens() + written.outputTokens())
                                                .build())
                        .build());
        if (job.getSendWhenDrafted() && written.replyTo() == null) {
            log.warn(
                    "Draft job {} was saved without its recipient (before V18); its reply is not sent", job.getJobId());
        } else if (job.getSendWhenDrafted()) {
            published.on(
                    Topics.EMAIL_JOBS,
                    job.getUserId(),
                    SendEmailRequested.newBuilder()
                            .setEventId(DerivedIds.of("send-email-requested", sendJobOf(job)))
                            .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                            .setUserId(job.getUserId())
                            .setJobId(sendJobOf(job))
                            .setTo(List.of(written.replyTo()))
                            .setSubject(written.subject())
                            .setBodyText(written.body())
                            .setThreadId(written.threadId())
                            .setInReplyToGmailMessageId(job.getGmailMessageId())
                            .setOrigin(job.getOrigin())
                            .build());
        }
    }

    /** The send job a draft job that sends at once starts: one per draft job, however often it is read. */
    static java.util.UUID sendJobOf(DraftReplyRequested job) {
        return DerivedIds.of("send-drafted", job.getJobId());
    }

    private void fail(DraftReplyRequested job, String reason, boolean retryable) {
        log.warn("Draft job {} of {} failed: {}", job.getJobId(), job.getUserId(), reason);
        meters.counter("donna.gmail.drafts", "source", "failed").increment();
        publish(
                job.getUserId(),
                EmailFailed.newBuilder()
                        .setEventId(DerivedIds.of("email-failed", job.getJobId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(job.getUserId())
                        .setJobId(job.getJobId())
                        .setReason(reason)
                        .setRetryable(retryable)
                        .build());
    }

    private static String reason(GmailCalls.Failed e) {
        return switch (e.kind()) {
            case NOT_CONNECTED -> e.getMessage() + ". Connect Gmail again, then ask for the draft again.";
            case NOT_FOUND -> "The message is no longer in Gmail.";
            case THROTTLED, UNAVAILABLE -> e.getMessage() + ". Ask for the draft again in a moment.";
            case REJECTED -> e.getMessage() + ".";
        };
    }

    private void publish(String userId, SpecificRecordBase event) {
        published.on(Topics.EMAIL_EVENTS, userId, event);
    }

    private void sleepUntil(Instant when) {
        Duration wait = Duration.between(clock.instant(), when);
        if (wait.isNegative()) {
            return;
        }
        try {
            java.lang.Thread.sleep(wait);
        } catch (InterruptedException e) {
            java.lang.Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Gmail", e);
        }
    }

    private static int indexOf(List<Message> messages, String id) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).getId().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    static ReplyWriting.Mail mail(Message m) {
        return new ReplyWriting.Mail(
                GmailHeaders.of(m, "From").orElse(""),
                GmailHeaders.of(m, "Date").orElse(""),
                GmailHeaders.of(m, "Subject").orElse(""),
                text(m.getPayload()).orElse(m.getSnippet() == null ? "" : m.getSnippet()));
    }

    /** The plain-text body: the text/plain part, wherever it is in the tree. */
    static Optional<String> text(MessagePart part) {
        if (part == null) {
            return Optional.empty();
        }
        if ("text/plain".equalsIgnoreCase(part.getMimeType())
                && part.getBody() != null
                && part.getBody().getData() != null) {
            return Optional.of(new String(part.getBody().decodeData(), StandardCharsets.UTF_8));
        }
        if (part.getParts() != null) {
            for (MessagePart child : part.getParts()) {
                Optional<String> found = text(child);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
