package app.donna.projections.chat;

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

/**
 * Chat history: sessions and their messages.
 *
 * <p>Consumes: {@code donna.chat.inbound} (ChatMessageSubmitted). Produces: rows in {@code chat_sessions}
 * and {@code chat_messages}. A session's owner is the author of its first message. Each batch is two
 * statements, whatever its size: an upsert of the batch's sessions and one array insert of its messages.
 */
public final class ChatProjection implements Projection {

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
                sessions.putIfAbsent(m.getSessionId(), new Session(m.getUserId(), m.getAnonymous(), m.getOccurredAt()));
                messages.add(new ChatMessagesRecord(m.getMessageId(), m.getSessionId(), m.getUserId(), "user",
                        m.getText(), m.getEventId(), m.getOccurredAt()));
            }
        }
        upsertSessions(tx, sessions);
        insertMessages(tx, messages);
    }

    /**
     * All of a batch's messages in one statement of seven array parameters: PostgreSQL unnests them into
     * rows. Against a multi-row VALUES list this avoids rendering and binding seven parameters per row.
     * A plain insert: a duplicate would mean the offsets failed, and must fail loudly, not vanish.
     */
    private static void insertMessages(DSLContext tx, List<ChatMessagesRecord> messages) {
        if (messages.isEmpty()) {
            return;
        }
        int n = messages.size();
        UUID[] ids = new UUID[n];
        UUID[] sessions = new UUID[n];
        String[] users = new String[n];
        String[] roles = new String[n];
        String[] bodies = new String[n];
        UUID[] eventIds = new UUID[n];
        java.time.OffsetDateTime[] times = new java.time.OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            ChatMessagesRecord r = messages.get(i);
            ids[i] = r.getMessageId();
            sessions[i] = r.getSessionId();
            users[i] = r.getUserId();
            roles[i] = r.getRole();
            bodies[i] = r.getBody();
            eventIds[i] = r.getEventId();
            times[i] = r.getOccurredAt().atOffset(java.time.ZoneOffset.UTC);
        }
        tx.execute("INSERT INTO chat_messages (message_id, session_id, user_id, role, body, event_id, occurred_at) "
                + "SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::varchar[], ?::varchar[], ?::text[], ?::uuid[], "
                + "?::timestamptz[])", ids, sessions, users, roles, bodies, eventIds, times);
    }

    private static void upsertSessions(DSLContext tx, Map<UUID, Session> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(CHAT_SESSIONS, CHAT_SESSIONS.SESSION_ID, CHAT_SESSIONS.OWNER_USER_ID,
                CHAT_SESSIONS.ANONYMOUS, CHAT_SESSIONS.CREATED_AT);
        for (var e : sessions.entrySet()) {
            Session s = e.getValue();
            insert = insert.values(e.getKey(), s.owner(), s.anonymous(), s.firstAt());
        }
        // The first writer owns the session; later messages change nothing here.
        insert.onConflictDoNothing().execute();
    }

    /** A session as first seen in a batch: the first message's author owns it. */
    private record Session(String owner, boolean anonymous, Instant firstAt) {
    }
}
