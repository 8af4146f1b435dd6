package app.donna.email.draft;

import static app.donna.projections.db.Tables.EMAIL_DRAFTS;

import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/** The drafts email-processor wrote, by job ({@code email_drafts}), so a job read again writes none twice. */
@Component
class DraftRecords {

    /**
     * A draft as written.
     *
     * @param replyTo  where the reply goes (the mail's Reply-To or From); null in rows older than V18
     * @param threadId the Gmail thread the reply joins
     */
    record Written(
            UUID jobId,
            String gmailMessageId,
            String gmailDraftId,
            String subject,
            String body,
            String model,
            boolean degraded,
            String replyTo,
            String threadId,
            Integer inputTokens,
            Integer outputTokens,
            String degradedReason) {}

    private final DSLContext db;
    private final Clock clock;

    DraftRecords(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    Optional<Written> of(UUID jobId) {
        return db.selectFrom(EMAIL_DRAFTS)
                .where(EMAIL_DRAFTS.JOB_ID.eq(jobId))
                .fetchOptional(r -> new Written(
                        r.getJobId(),
                        r.getGmailMessageId(),
                        r.getGmailDraftId(),
                        r.getSubject(),
                        r.getBody(),
                        r.getModel(),
                        r.getDegraded(),
                        r.getReplyTo(),
                        r.getThreadId(),
                        r.getInputTokens(),
                        r.getOutputTokens(),
                        r.getDegradedReason()));
    }

    void save(String userId, Written draft) {
        db.insertInto(EMAIL_DRAFTS)
                .set(EMAIL_DRAFTS.JOB_ID, draft.jobId())
                .set(EMAIL_DRAFTS.USER_ID, userId)
                .set(EMAIL_DRAFTS.GMAIL_MESSAGE_ID, draft.gmailMessageId())
                .set(EMAIL_DRAFTS.GMAIL_DRAFT_ID, draft.gmailDraftId())
                .set(EMAIL_DRAFTS.SUBJECT, draft.subject())
                .set(EMAIL_DRAFTS.BODY, draft.body())
                .set(EMAIL_DRAFTS.MODEL, draft.model())
                .set(EMAIL_DRAFTS.DEGRADED, draft.degraded())
                .set(EMAIL_DRAFTS.REPLY_TO, draft.replyTo())
                .set(EMAIL_DRAFTS.THREAD_ID, draft.threadId())
                .set(EMAIL_DRAFTS.INPUT_TOKENS, draft.inputTokens())
                .set(EMAIL_DRAFTS.OUTPUT_TOKENS, draft.outputTokens())
                .set(EMAIL_DRAFTS.DEGRADED_REASON, draft.degradedReason())
                .set(EMAIL_DRAFTS.CREATED_AT, clock.instant())
                .onConflictDoNothing()
                .execute();
    }
}
