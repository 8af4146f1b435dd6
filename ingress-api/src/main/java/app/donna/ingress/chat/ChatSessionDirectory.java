package app.donna.ingress.chat;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.CHAT_SESSIONS;

import app.donna.ingress.paging.Cursor;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/** A user's chat sessions from the read model, newest first. */
@Component
class ChatSessionDirectory {

    /** One session as the API lists it; lastMessageAt is empty before its first message. */
    record Session(UUID sessionId, Instant createdAt, Instant lastMessageAt, int messages) {}

    record Page(List<Session> sessions, Optional<String> next) {}

    private final DSLContext db;

    ChatSessionDirectory(DSLContext db) {
        this.db = db;
    }

    Page list(Caller owner, Optional<String> cursor, int limit) {
        // Users and visitors are separate namespaces, even where their ids look alike.
        Condition condition =
                CHAT_SESSIONS.OWNER_USER_ID.eq(owner.userId()).and(CHAT_SESSIONS.ANONYMOUS.eq(owner.anonymous()));
        if (cursor.isPresent()) {
            Cursor after = Cursor.parse(cursor.get());
            condition = condition.and(
                    DSL.row(CHAT_SESSIONS.CREATED_AT, CHAT_SESSIONS.SESSION_ID).lt(after.at(), after.id()));
        }
        var last = DSL.select(DSL.max(CHAT_MESSAGES.OCCURRED_AT))
                .from(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.SESSION_ID.eq(CHAT_SESSIONS.SESSION_ID))
                .<Instant>asField("last_message_at");
        var count = DSL.selectCount()
                .from(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.SESSION_ID.eq(CHAT_SESSIONS.SESSION_ID))
                .<Integer>asField("messages");
        List<Session> rows = db.select(CHAT_SESSIONS.SESSION_ID, CHAT_SESSIONS.CREATED_AT, last, count)
                .from(CHAT_SESSIONS)
                .where(condition)
                .orderBy(CHAT_SESSIONS.CREATED_AT.desc(), CHAT_SESSIONS.SESSION_ID.desc())
                .limit(limit + 1)
                .fetch(r -> new Session(r.value1(), r.value2(), toInstant(r.value3()), r.value4()));
        if (rows.size() <= limit) {
            return new Page(rows, Optional.empty());
        }
        List<Session> page = rows.subList(0, limit);
        Session tail = page.getLast();
        return new Page(page, Optional.of(new Cursor(tail.createdAt(), tail.sessionId()).toString()));
    }

    private static Instant toInstant(Object value) {
        return switch (value) {
            case null -> null;
            case Instant i -> i;
            case java.time.OffsetDateTime o -> o.toInstant();
            default -> throw new IllegalStateException("unexpected time " + value.getClass());
        };
    }
}
