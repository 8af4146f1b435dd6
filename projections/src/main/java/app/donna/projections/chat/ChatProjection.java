package app.donna.projections.chat;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.projections.engine.BinaryCopy;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Chat history: sessions and both sides of their conversation.
 *
 * <p>Consumes: {@code donna.chat.screened} (ChatSessionStarted: the session and its owner;
 * ChatMessageScreened: the user's turn with its verdict) and
 * {@code donna.chat.replies} (ChatReplyProduced: the assistant's turn; the deltas earlier versions wrote
 * there are skipped). Produces:
 * rows in {@code chat_sessions} and {@code chat_messages}. A session's owner is whoever opened it, by
 * ChatSessionStarted or by its first message. Each batch is at most two statements, whatever its size: an
 * upsert of the batch's sessions and one binary COPY of all its turns.
 */
public final class ChatProjection implements Projection {

    @Override
    public String name() {
        return "chat";
    }

    @Override
    public List<String> tables() {
        return List.of("chat_sessions", "chat_messages");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.CHAT_SCREENED, Topics.CHAT_REPLIES);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        // sorted: concurrent consumers' transactions then lock the sessions they share in the same order
        Map<UUID, Session> sessions = new TreeMap<>();
        Turns turns = new Turns(batch.size());
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case ChatSessionStarted started ->
                    sessions.putIfAbsent(
                            started.getSessionId(),
                            new Session(
                                    started.getUserId(),
                                    started.getAnonymous(),
                                    started.getOccurredAt(),
                                    started.getWorkspaceId()));
                case ChatMessageScreened m -> {
                    sessions.putIfAbsent(
                            m.getSessionId(),
                            new Session(m.getUserId(), m.getAnonymous(), m.getOccurredAt(), m.getWorkspaceId()));
                    turns.add(new Turn(
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
                            null));
                }
                case ChatReplyProduced r ->
                    turns.add(new Turn(
                            r.getReplyId(),
                            r.getSessionId(),
                            r.getUserId(),
                            r.getStaffId() == null ? "assistant" : "staff",
                            r.getText(),
                            r.getEventId(),
                            r.getOccurredAt(),
                            null,
                            r.getInReplyToMessageId(),
                            r.getDegraded(),
                            r.getModel(),
                            r.getLlmLatencyMs(),
                            r.getUsage() == null ? null : r.getUsage().getInputTokens(),
                            r.getUsage() == null ? null : r.getUsage().getOutputTokens()));
                default -> {
                    // ChatReplyDelta and ChatReplyDelayed, kept on donna.chat.replies from earlier versions:
                    // streamed to browsers, not stored; the final reply holds the whole text.
                }
            }
        }
        upsertSessions(tx, sessions);
        turns.insert(tx);
    }

    /**
     * A batch's turns, copied into {@code chat_messages} with PostgreSQL's binary COPY: the fastest way in,
     * with no SQL to parse or values to render. A message id seen before is skipped: a client's retry with
     * the same idempotency key (its clientMessageId) is the same message, and may reach the topic more than
     * once. Within a batch the first copy is kept here; one already in the table makes the COPY fail on the
     * primary key, and the batch's turns then go in by {@link #insertSkippingKnown} instead, which skips it.
     * (Redelivery after a crash cannot meet its own rows: they were rolled back with their offsets.)
     */
    private static final class Turns {
        private static final String COLUMNS = "message_id, session_id, user_id, role, body, event_id, occurred_at, "
                + "verdict, reply_to, degraded, model, llm_latency_ms, input_tokens, output_tokens";
        private static final String UNIQUE_VIOLATION = "23505";

        private final Map<UUID, Turn> rows;

        Turns(int capacity) {
            rows = new LinkedHashMap<>(capacity * 2);
        }

        void add(Turn turn) {
            rows.putIfAbsent(turn.id(), turn);
        }

        void insert(DSLContext tx) {
            if (rows.isEmpty()) {
                return;
            }
            if (!tx.connectionResult(this::copy)) {
                insertSkippingKnown(tx);
            }
        }

        /** @return false if a turn is in the table already, and nothing was copied */
        private boolean copy(Connection connection) throws SQLException {
            BinaryCopy copy = new BinaryCopy(14, rows.size());
            for (Turn t : rows.values()) {
                copy.row()
                        .uuid(t.id())
                        .uuid(t.session())
                        .text(StorableText.of(t.user()))
                        .text(t.role())
                        .text(StorableText.of(t.body()))
                        .uuid(t.eventId())
                        .timestamptz(t.at())
                        .text(t.verdict())
                        .uuid(t.replyTo())
                        .bool(t.degraded())
                        .text(t.model())
                        .int8(t.latencyMs())
                        .int4(t.inputTokens())
                        .int4(t.outputTokens());
            }
            Savepoint beforeCopy = connection.setSavepoint();
            try {
                copy.into(connection, "chat_messages", COLUMNS);
                return true;
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                connection.rollback(beforeCopy);
                return false;
            }
        }

        /** One statement that PostgreSQL unnests into rows, skipping message ids it holds already. */
        private void insertSkippingKnown(DSLContext tx) {
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
            int i = 0;
            for (Turn t : rows.values()) {
                Object[] row = {
                    t.id(),
                    t.session(),
                    StorableText.of(t.user()),
                    t.role(),
                    StorableText.of(t.body()),
                    t.eventId(),
                    t.at().atOffset(ZoneOffset.UTC),
                    t.verdict(),
                    t.replyTo(),
                    t.degraded(),
                    t.model(),
                    t.latencyMs(),
                    t.inputTokens(),
                    t.outputTokens()
                };
                for (int c = 0; c < columns.length; c++) {
                    columns[c][i] = row[c];
                }
                i++;
            }
            tx.execute(
                    "INSERT INTO chat_messages (" + COLUMNS + ") "
                            + "SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::varchar[], ?::varchar[], ?::text[], ?::uuid[], "
                            + "?::timestamptz[], ?::varchar[], ?::uuid[], ?::boolean[], ?::varchar[], ?::bigint[], ?::int[], "
                            + "?::int[]) ON CONFLICT (message_id) DO NOTHING",
                    (Object[]) columns);
        }
    }

    /** One row of {@code chat_messages}. */
    private record Turn(
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
            Integer outputTokens) {}

    /**
     * The batch's sessions as column arrays in one statement, whatever their number. Most are known
     * already (a session spans many batches), so this is an upsert that keeps the first writer as owner.
     */
    private static void upsertSessions(DSLContext tx, Map<UUID, Session> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        int n = sessions.size();
        UUID[] ids = new UUID[n];
        String[] owners = new String[n];
        Boolean[] anonymous = new Boolean[n];
        OffsetDateTime[] created = new OffsetDateTime[n];
        String[] workspaces = new String[n];
        int i = 0;
        for (var e : sessions.entrySet()) {
            Session s = e.getValue();
            ids[i] = e.getKey();
            owners[i] = StorableText.of(s.owner());
            anonymous[i] = s.anonymous();
            created[i] = s.firstAt().atOffset(ZoneOffset.UTC);
            workspaces[i] = StorableText.of(s.workspaceId());
            i++;
        }
        // The first writer owns the session; later messages change nothing here.
        tx.execute(
                "INSERT INTO chat_sessions (session_id, owner_user_id, anonymous, created_at, workspace_id) "
                        + "SELECT * FROM unnest(?::uuid[], ?::varchar[], ?::boolean[], ?::timestamptz[], ?::varchar[]) "
                        + "ON CONFLICT (session_id) DO NOTHING",
                ids,
                owners,
                anonymous,
                created,
                workspaces);
    }

    /**
     * A session as first seen in a batch: the first message's author owns it.
     *
     * @param workspaceId null for a session from before workspaces (the default workspace's)
     */
    private record Session(String owner, boolean anonymous, Instant firstAt, String workspaceId) {}
}
