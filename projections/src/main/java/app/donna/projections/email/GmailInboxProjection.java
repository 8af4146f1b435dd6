package app.donna.projections.email;

import static app.donna.projections.db.Tables.EMAIL_LOGS;
import static app.donna.projections.db.Tables.GMAIL_MESSAGES;

import app.donna.events.email.EmailFailed;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * The inbox and the email log: each {@code EmailReceived} a row of {@code gmail_messages} (read again by a
 * later sync: its labels and snippet refreshed), each {@code EmailSent} and {@code EmailFailed} a row of
 * {@code email_logs}, once however often it is delivered.
 *
 * <p>Consumes: {@code donna.email.events}. Produces: {@code gmail_messages}, {@code email_logs}.
 */
public final class GmailInboxProjection implements Projection {

    @Override
    public String name() {
        return "gmail-inbox";
    }

    @Override
    public List<String> tables() {
        return List.of("gmail_messages", "email_logs");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.EMAIL_EVENTS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        List<Query> queries = new ArrayList<>();
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case EmailReceived r -> queries.add(received(tx, r));
                case EmailSent s ->
                    queries.add(tx.insertInto(EMAIL_LOGS)
                            .set(EMAIL_LOGS.EVENT_ID, s.getEventId())
                            .set(EMAIL_LOGS.USER_ID, StorableText.of(s.getUserId()))
                            .set(EMAIL_LOGS.JOB_ID, s.getJobId())
                            .set(EMAIL_LOGS.OUTCOME, "sent")
                            .set(EMAIL_LOGS.AT, s.getOccurredAt())
                            .set(EMAIL_LOGS.RECIPIENTS, StorableText.of(String.join(", ", s.getTo())))
                            .set(EMAIL_LOGS.SUBJECT, StorableText.of(s.getSubject()))
                            .set(EMAIL_LOGS.GMAIL_MESSAGE_ID, s.getSentGmailMessageId())
                            .set(EMAIL_LOGS.THREAD_ID, s.getThreadId())
                            .set(EMAIL_LOGS.ORIGIN, s.getOrigin().name())
                            .onConflictDoNothing());
                case EmailFailed f ->
                    queries.add(tx.insertInto(EMAIL_LOGS)
                            .set(EMAIL_LOGS.EVENT_ID, f.getEventId())
                            .set(EMAIL_LOGS.USER_ID, StorableText.of(f.getUserId()))
                            .set(EMAIL_LOGS.JOB_ID, f.getJobId())
                            .set(EMAIL_LOGS.OUTCOME, "failed")
                            .set(EMAIL_LOGS.AT, f.getOccurredAt())
                            .set(EMAIL_LOGS.REASON, StorableText.of(f.getReason()))
                            .set(EMAIL_LOGS.RETRYABLE, f.getRetryable())
                            .onConflictDoNothing());
                default -> {
                    // connections, drafts and decisions are other read models'
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }

    private static Query received(DSLContext tx, EmailReceived r) {
        String labels = String.join(" ", r.getLabelIds());
        String snippet = StorableText.of(r.getSnippet());
        return tx.insertInto(GMAIL_MESSAGES)
                .set(GMAIL_MESSAGES.USER_ID, StorableText.of(r.getUserId()))
                .set(GMAIL_MESSAGES.GMAIL_MESSAGE_ID, StorableText.of(r.getGmailMessageId()))
                .set(GMAIL_MESSAGES.THREAD_ID, StorableText.of(r.getThreadId()))
                .set(GMAIL_MESSAGES.FROM_HEADER, StorableText.of(r.getFrom()))
                .set(GMAIL_MESSAGES.TO_ADDRESSES, StorableText.of(String.join(", ", r.getTo())))
                .set(GMAIL_MESSAGES.SUBJECT, StorableText.of(r.getSubject()))
                .set(GMAIL_MESSAGES.SNIPPET, snippet)
                .set(GMAIL_MESSAGES.RECEIVED_AT, r.getReceivedAt())
                .set(GMAIL_MESSAGES.LABEL_IDS, StorableText.of(labels))
                .set(GMAIL_MESSAGES.RFC822_MESSAGE_ID, StorableText.of(r.getRfc822MessageId()))
                .set(GMAIL_MESSAGES.AUTOMATED, AutomaticMail.is(r))
                .onConflict(GMAIL_MESSAGES.USER_ID, GMAIL_MESSAGES.GMAIL_MESSAGE_ID)
                .doUpdate()
                .set(GMAIL_MESSAGES.LABEL_IDS, StorableText.of(labels))
                .set(GMAIL_MESSAGES.SNIPPET, snippet);
    }
}
