package app.donna.email.send;

import static app.donna.projections.db.Tables.EMAIL_SEND_LEDGER;
import static org.jooq.impl.DSL.select;

import app.donna.events.email.SendEmailRequested;
import app.donna.projections.db.tables.records.EmailSendLedgerRecord;
import app.donna.schemas.EventCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * The send ledger ({@code email_send_ledger}): each send job once, and where it stands. The state moves
 * {@code pending → sending → sent | failed}; {@code sending} is written (and committed) before Gmail is
 * called and {@code sent} after, so a job found {@code sending} may have reached Gmail and is looked for
 * there before it is sent again. Each write names the state it expects, so two instances cannot both move
 * one job.
 */
@Component
class SendLedger {

    static final String PENDING = "pending";
    static final String SENDING = "sending";
    static final String SENT = "sent";
    static final String FAILED = "failed";

    /** A job as the ledger holds it. */
    record Entry(
            UUID jobId,
            String userId,
            SendEmailRequested request,
            String messageId,
            String state,
            int attempts,
            String gmailMessageId,
            String threadId,
            String lastError,
            Boolean retryable,
            boolean published) {}

    private static final EventCodec CODEC = EventCodec.bundled();

    private final DSLContext db;
    private final Clock clock;

    SendLedger(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Records a job, due now; a job recorded already (the same record read again) is left as it is. */
    boolean record(SendEmailRequested job, String messageId) {
        Instant now = clock.instant();
        return db.insertInto(EMAIL_SEND_LEDGER)
                        .set(EMAIL_SEND_LEDGER.JOB_ID, job.getJobId())
                        .set(EMAIL_SEND_LEDGER.USER_ID, job.getUserId())
                        .set(EMAIL_SEND_LEDGER.ORIGIN, job.getOrigin().name())
                        .set(EMAIL_SEND_LEDGER.REQUEST, CODEC.encode(job))
                        .set(EMAIL_SEND_LEDGER.MESSAGE_ID, messageId)
                        .set(EMAIL_SEND_LEDGER.STATE, PENDING)
                        .set(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT, now)
                        .set(EMAIL_SEND_LEDGER.CREATED_AT, now)
                        .set(EMAIL_SEND_LEDGER.UPDATED_AT, now)
                        .onConflictDoNothing()
                        .execute()
                > 0;
    }

    /** Claims up to {@code limit} jobs due now (to send, or whose outcome is not yet published) for {@code lease}. */
    List<Entry> claimDue(Duration lease, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        Instant now = clock.instant();
        var due = EMAIL_SEND_LEDGER.STATE.in(PENDING, SENDING).or(EMAIL_SEND_LEDGER.PUBLISHED.isFalse());
        return db.update(EMAIL_SEND_LEDGER)
                .set(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT, now.plus(lease))
                .where(EMAIL_SEND_LEDGER.JOB_ID.in(select(EMAIL_SEND_LEDGER.JOB_ID)
                        .from(EMAIL_SEND_LEDGER)
                        .where(due)
                        .and(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT.le(now))
                        .orderBy(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT)
                        .limit(limit)
                        .forUpdate()
                        .skipLocked()))
                .returning()
                .fetch(SendLedger::entry);
    }

    /** Before the Gmail call: the job is {@code sending}, one attempt more, with the Message-ID the mail carries. */
    boolean sending(Entry entry, String messageId) {
        return db.update(EMAIL_SEND_LEDGER)
                        .set(EMAIL_SEND_LEDGER.STATE, SENDING)
                        .set(EMAIL_SEND_LEDGER.MESSAGE_ID, messageId)
                        .set(EMAIL_SEND_LEDGER.ATTEMPTS, EMAIL_SEND_LEDGER.ATTEMPTS.plus(1))
                        .set(EMAIL_SEND_LEDGER.UPDATED_AT, clock.instant())
                        .where(EMAIL_SEND_LEDGER.JOB_ID.eq(entry.jobId()))
                        .and(EMAIL_SEND_LEDGER.STATE.eq(entry.state()))
                        .execute()
                > 0;
    }

    /** After the Gmail call (or finding the mail there): sent, as Gmail's message. */
    void sent(UUID jobId, String gmailMessageId, String threadId) {
        db.update(EMAIL_SEND_LEDGER)
                .set(EMAIL_SEND_LEDGER.STATE, SENT)
                .set(EMAIL_SEND_LEDGER.GMAIL_MESSAGE_ID, gmailMessageId)
                .set(EMAIL_SEND_LEDGER.THREAD_ID, threadId)
                .setNull(EMAIL_SEND_LEDGER.LAST_ERROR)
                .set(EMAIL_SEND_LEDGER.UPDATED_AT, clock.instant())
                .where(EMAIL_SEND_LEDGER.JOB_ID.eq(jobId))
                .execute();
    }

    /** Given up, saying why. */
    void failed(UUID jobId, String reason) {
        db.update(EMAIL_SEND_LEDGER)
                .set(EMAIL_SEND_LEDGER.STATE, FAILED)
                .set(EMAIL_SEND_LEDGER.LAST_ERROR, reason)
                .set(EMAIL_SEND_LEDGER.RETRYABLE, false)
                .set(EMAIL_SEND_LEDGER.UPDATED_AT, clock.instant())
                .where(EMAIL_SEND_LEDGER.JOB_ID.eq(jobId))
                .execute();
    }

    /**
     * This attempt failed; the job stays where it is and is due again at {@code next}. An attempt that
     * failed before Gmail's send was called ({@code counted} false) counts here, so no job is tried forever.
     */
    void retryAt(UUID jobId, String reason, Instant next, boolean counted) {
        db.update(EMAIL_SEND_LEDGER)
                .set(
                        EMAIL_SEND_LEDGER.ATTEMPTS,
                        counted ? EMAIL_SEND_LEDGER.ATTEMPTS : EMAIL_SEND_LEDGER.ATTEMPTS.plus(1))
                .set(EMAIL_SEND_LEDGER.LAST_ERROR, reason)
                .set(EMAIL_SEND_LEDGER.RETRYABLE, true)
                .set(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT, next)
                .set(EMAIL_SEND_LEDGER.UPDATED_AT, clock.instant())
                .where(EMAIL_SEND_LEDGER.JOB_ID.eq(jobId))
                .execute();
    }

    /** The job is due again at {@code next} (its outcome could not be published yet). */
    void dueAt(UUID jobId, Instant next) {
        db.update(EMAIL_SEND_LEDGER)
                .set(EMAIL_SEND_LEDGER.NEXT_ATTEMPT_AT, next)
                .where(EMAIL_SEND_LEDGER.JOB_ID.eq(jobId))
                .execute();
    }

    /** The job's outcome is on the topic. */
    void published(UUID jobId) {
        db.update(EMAIL_SEND_LEDGER)
                .set(EMAIL_SEND_LEDGER.PUBLISHED, true)
                .where(EMAIL_SEND_LEDGER.JOB_ID.eq(jobId))
                .execute();
    }

    private static Entry entry(EmailSendLedgerRecord r) {
        return new Entry(
                r.getJobId(),
                r.getUserId(),
                (SendEmailRequested) CODEC.decode(r.getRequest()),
                r.getMessageId(),
                r.getState(),
                r.getAttempts(),
                r.getGmailMessageId(),
                r.getThreadId(),
                r.getLastError(),
                r.getRetryable(),
                Boolean.TRUE.equals(r.getPublished()));
    }
}
