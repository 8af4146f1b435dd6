package app.donna.projections.chat;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.CHAT_SESSIONS;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.projections.db.tables.records.ChatMessagesRecord;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Chat history: sessions and their messages.
 *
 * <p>Consumes: {@code donna.chat.inbound} (ChatMessageSubmitted). Produces: rows in {@code chat_sessions}
 * and {@code chat_messages}. A session's owner is the author of its first message. Each batch is two
 * multi-row statements, whatever its size (up to {@value #ROWS_PER_STATEMENT} rows per statement).
 */
public final class ChatProjection implements Projection {

    static final int ROWS_PER_STATEMENT = 1000;

    @Override
    public String name() {
        return "chat";
    }

    @Override
    public List<Topic> topics() {
        return List.of(Topics.CHAT_INBOUND);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        Map<UUID, Session> sessions = new LinkedHashMap<>();
        List<ChatMessagesRecord> messages = new ArrayList<>(batch.size());
        for (ProjectedEvent projected : batch) {
            if (projected.event() instanceof ChatMessageSubmitted m) {
                sessions.merge(m.getSessionId(),
                        new Session(m.getUserId(), m.getAnonymous(), m.getOccurredAt(), m.getOccurredAt()),
                        Session::merge);
                messages.add(new ChatMessagesRecord(m.getMessageId(), m.getSessionId(), m.getUserId(), "user",
                        m.getText(), m.getEventId(), m.getOccurredAt()));
            }
        }
        upsertSessions(tx, sessions);
        for (int from = 0; from < messages.size(); from += ROWS_PER_STATEMENT) {
            List<ChatMessagesRecord> chunk = messages.subList(from, Math.min(messages.size(), from + ROWS_PER_STATEMENT));
            // A plain insert: a duplicate would mean the offsets failed, and must fail loudly, not vanish.
            var insert = tx.insertInto(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID, CHAT_MESSAGES.SESSION_ID,
                    CHAT_MESSAGES.USER_ID, CHAT_MESSAGES.ROLE, CHAT_MESSAGES.BODY, CHAT_MESSAGES.EVENT_ID,
                    CHAT_MESSAGES.OCCURRED_AT);
            for (ChatMessagesRecord r : chunk) {
                insert = insert.values(r.getMessageId(), r.getSessionId(), r.getUserId(), r.getRole(), r.getBody(),
                        r.getEventId(), r.getOccurredAt());
            }
            insert.execute();
        }
    }

    private static void upsertSessions(DSLContext tx, Map<UUID, Session> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(CHAT_SESSIONS, CHAT_SESSIONS.SESSION_ID, CHAT_SESSIONS.OWNER_USER_ID,
                CHAT_SESSIONS.ANONYMOUS, CHAT_SESSIONS.CREATED_AT, CHAT_SESSIONS.LAST_MESSAGE_AT);
        for (var e : sessions.entrySet()) {
            Session s = e.getValue();
            insert = insert.values(e.getKey(), s.owner(), s.anonymous(), s.firstAt(), s.lastAt());
        }
        insert.onConflict(CHAT_SESSIONS.SESSION_ID)
                .doUpdate()
                .set(CHAT_SESSIONS.LAST_MESSAGE_AT,
                        DSL.greatest(CHAT_SESSIONS.LAST_MESSAGE_AT, DSL.excluded(CHAT_SESSIONS.LAST_MESSAGE_AT)))
                .execute();
    }

    /** A session as seen in one batch: the first message's author owns it. */
    private record Session(String owner, boolean anonymous, Instant firstAt, Instant lastAt) {
        Session merge(Session later) {
            return new Session(owner, anonymous, firstAt, later.lastAt.isAfter(lastAt) ? later.lastAt : lastAt);
        }
    }
}
