package app.donna.projections.chat;

import static app.donna.projections.db.Tables.CHAT_SESSIONS;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Chat history: sessions and both sides of their conversation.
 *
 * <p>Consumes: {@code donna.chat.screened} (ChatSessionStarted: the session and its owner;
 * ChatMessageScreened: the user's turn with its verdict) and
 * {@code donna.chat.replies} (ChatReplyProduced: the assistant's turn; deltas are not stored). Produces:
 * rows in {@code chat_sessions} and {@code chat_messages}. A session's owner is whoever opened it, by
 * ChatSessionStarted or by its first message. Each batch is at most two statements, whatever its size: an
 * upsert of the batch's new sessions and one array insert of all its turns.
 */
public final class ChatProjection implements Projection {

    @Override
    public String name() {
        return "chat";
    }

    @Override
    public List<Topic> topics() {
        return List.of(Topics.CHAT_SCREENED, Topics.CHAT_REPLIES);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        Map<UUID, Session> sessions = new LinkedHashMap<>();
        Turns turns = new Turns(batch.size());
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case ChatSessionStarted started ->
                    sessions.putIfAbsent(
                            started.getSessionId(),
                            new Session(started.getUserId(), started.getAnonymous(), started.getOccurredAt()));
                case ChatMessageScreened m -> {
                    sessions.putIfAbsent(
                            m.getSessionId(), new Session(m.getUserId(), m.getAnonymous(), m.getOccurredAt()));
                    turns.add(
                            m.getMessageId(),
                            m.getSessionId(),
                            m.getUserId(),
                            "user",
                            m.getText(),
                            m.getEventId(),
                            m.getOccurredAt(),
                            m.getVerdict().getDecision().name(),
                            null,
                            false,
                            null,
                            null,
                            null,
                            null);
                }
                case ChatReplyProduced r ->
                    turns.add(
                            r.getReplyId(),
                            r.getSessionId(),
                            r.getUserId(),
                            "assistant",
                            r.getText(),
                            r.getEventId(),
                            r.getOccurredAt(),
                            null,
                            r.getInReplyToMessageId(),
                            r.getDegraded(),
                            r.getModel(),
                            r.getLlmLatencyMs(),
                            r.getUsage() == null ? null : r.getUsage().getInputTokens(),
                            r.getUsage() == null ? null : r.getUsage().getOutputTokens());
                default -> {
                    // ChatReplyDelta: streamed to browsers, not kept; the final reply holds the whole text.
                }
            }
        }
        upsertSessions(tx, sessions);
        turns.insert(tx);
    }

    /**
     * A batch's turns as column arrays, inserted in one statement that PostgreSQL unnests into rows.
     * Against a multi-row VALUES list this avoids rendering and binding a dozen parameters per row.
     * A message id seen before is skipped: a client's retry with the same idempotency key (its
     * clientMessageId) is the same message, and may reach the topic more than once.
     */
    private static final class Turns {
        private final List<Object[]> rows;

        Turns(int capacity) {
            rows = new ArrayList<>(capacity);
        }

        void add(
                UUID id,
                UUID session,
                String user,
                String role,
                String body,
                UUID eventId,
                Instant at,
                String verdict,
                UUID replyTo,
                boolean degraded,
                String model,
                Long latencyMs,
                Integer inputTokens,
                Integer outputTokens) {
            rows.add(new Object[] {
                id,
                session,
                StorableText.of(user),
                role,
                StorableText.of(body),
                eventId,
                at.atOffset(ZoneOffset.UTC),
                verdict,
                replyTo,
                degraded,
                model,
                latencyMs,
                inputTokens,
                outputTokens
            });
        }

        void insert(DSLContext tx) {
            if (rows.isEmpty()) {
                return;
            }
            int n = rows.size();
            Object[][] columns = {
                new UUID[n],
                new UUID[n],
                new String[n],
                new String[n],
                new String[n],
                new UUID[n],
                new OffsetDateTime[n],
                new String[n],
                new UUID[n],
                new Boolean[n],
                new String[n],
                new Long[n],
                new Integer[n],
                new Integer[n]
            };
            for (int i = 0; i < n; i++) {
                Object[] row = rows.get(i);
                for (int c = 0; c < columns.length; c++) {
                    columns[c][i] = row[c];
                }
            }
            tx.execute(
                    "INSERT INTO chat_messages (message_id, session_id, user_id, role, body, event_id, occurred_at, "
                            + "verdict, reply_to, degraded, model, llm_latency_ms, input_tokens, output_tokens) "
                            + "SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::varchar[], ?::varchar[], ?::text[], ?::uuid[], "
                            + "?::timestamptz[], ?::varchar[], ?::uuid[], ?::boolean[], ?::varchar[], ?::bigint[], ?::int[], "
                            + "?::int[]) ON CONFLICT (message_id) DO NOTHING",
                    (Object[]) columns);
        }
    }

    private static void upsertSessions(DSLContext tx, Map<UUID, Session> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(
                CHAT_SESSIONS,
                CHAT_SESSIONS.SESSION_ID,
                CHAT_SESSIONS.OWNER_USER_ID,
                CHAT_SESSIONS.ANONYMOUS,
                CHAT_SESSIONS.CREATED_AT);
        for (var e : sessions.entrySet()) {
            Session s = e.getValue();
            insert = insert.values(e.getKey(), StorableText.of(s.owner()), s.anonymous(), s.firstAt());
        }
        // The first writer owns the session; later messages change nothing here.
        insert.onConflictDoNothing().execute();
    }

    /** A session as first seen in a batch: the first message's author owns it. */
    private record Session(String owner, boolean anonymous, Instant firstAt) {}
}
