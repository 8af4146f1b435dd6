package app.donna.projections.email;

import static app.donna.projections.db.Tables.GMAIL_MAILBOXES;

import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnected;
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
 * Each user's Gmail mailbox: {@code connected} (address, scopes, since when, the workspace it belongs to) or
 * {@code disconnected}
 * (whether Google's grant was revoked, and a note for the user when it may not be). One row per user; an
 * event older than the row's last change changes nothing, so a replay or a late duplicate cannot undo a
 * newer state.
 *
 * <p>Consumes: {@code donna.email.events}. Produces: {@code gmail_mailboxes}.
 */
public final class GmailMailboxProjection implements Projection {

    static final String CONNECTED = "connected";
    static final String DISCONNECTED = "disconnected";

    @Override
    public String name() {
        return "gmail-mailboxes";
    }

    @Override
    public List<String> tables() {
        return List.of("gmail_mailboxes");
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
                case GmailConnected c -> {
                    String scopes = String.join(
                            " ", c.getScopes().stream().map(String::valueOf).toList());
                    queries.add(tx.insertInto(GMAIL_MAILBOXES)
                            .set(GMAIL_MAILBOXES.USER_ID, StorableText.of(c.getUserId()))
                            .set(GMAIL_MAILBOXES.EMAIL_ADDRESS, StorableText.of(c.getEmailAddress()))
                            .set(GMAIL_MAILBOXES.STATUS, CONNECTED)
                            .set(GMAIL_MAILBOXES.SCOPES, StorableText.of(scopes))
                            .set(GMAIL_MAILBOXES.CONNECTED_AT, c.getOccurredAt())
                            .set(GMAIL_MAILBOXES.UPDATED_AT, c.getOccurredAt())
                            .set(GMAIL_MAILBOXES.WORKSPACE_ID, StorableText.of(c.getWorkspaceId()))
                            .onConflict(GMAIL_MAILBOXES.USER_ID)
                            .doUpdate()
                            .set(GMAIL_MAILBOXES.EMAIL_ADDRESS, StorableText.of(c.getEmailAddress()))
                            .set(GMAIL_MAILBOXES.STATUS, CONNECTED)
                            .set(GMAIL_MAILBOXES.SCOPES, StorableText.of(scopes))
                            .set(GMAIL_MAILBOXES.CONNECTED_AT, c.getOccurredAt())
                            .set(GMAIL_MAILBOXES.UPDATED_AT, c.getOccurredAt())
                            .setNull(GMAIL_MAILBOXES.REVOKED)
                            .setNull(GMAIL_MAILBOXES.NOTE)
                            .set(GMAIL_MAILBOXES.WORKSPACE_ID, StorableText.of(c.getWorkspaceId()))
                            .where(GMAIL_MAILBOXES.UPDATED_AT.le(c.getOccurredAt())));
                }
                case GmailDisconnected d ->
                    queries.add(tx.insertInto(GMAIL_MAILBOXES)
                            .set(GMAIL_MAILBOXES.USER_ID, StorableText.of(d.getUserId()))
                            .set(GMAIL_MAILBOXES.EMAIL_ADDRESS, StorableText.of(d.getEmailAddress()))
                            .set(GMAIL_MAILBOXES.STATUS, DISCONNECTED)
                            .set(GMAIL_MAILBOXES.SCOPES, "")
                            .set(GMAIL_MAILBOXES.UPDATED_AT, d.getOccurredAt())
                            .set(GMAIL_MAILBOXES.REVOKED, d.getRevoked())
                            .set(GMAIL_MAILBOXES.NOTE, StorableText.of(d.getNote()))
                            .onConflict(GMAIL_MAILBOXES.USER_ID)
                            .doUpdate()
                            .set(GMAIL_MAILBOXES.STATUS, DISCONNECTED)
                            .set(GMAIL_MAILBOXES.SCOPES, "")
                            .set(GMAIL_MAILBOXES.UPDATED_AT, d.getOccurredAt())
                            .set(GMAIL_MAILBOXES.REVOKED, d.getRevoked())
                            .set(GMAIL_MAILBOXES.NOTE, StorableText.of(d.getNote()))
                            .where(GMAIL_MAILBOXES.UPDATED_AT.le(d.getOccurredAt())));
                default -> {
                    // mail, drafts, sends and decisions are other read models'
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }
}
