package app.donna.ingress.chat;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.CHAT_SESSIONS;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
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
    record Session(UUID sessionId, Instant createdAt, Instant lastMessageAt, int messages) {
    }

    record Page(List<Session> sessions, Optional<String> next) {
    }

    private final DSLContext db;

    ChatSessionDirectory(DSLContext db) {
        this.db = db;
    }

    Page list(String owner, Optional<String> cursor, int limit) {
        Condition condition = CHAT_SESSIONS.OWNER_USER_ID.eq(owner);
        if (cursor.isPresent()) {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor.get()), StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 2) {
                throw new IllegalArgumentException("bad cursor");
            }
            condition = condition.and(DSL.row(CHAT_SESSIONS.CREATED_AT, CHAT_SESSIONS.SESSION_ID)
                    .lt(Instant.parse(parts[0]), UUID.fromString(parts[1])));
        }
        var last = DSL.select(DSL.max(CHAT_MESSAGES.OCCURRED_AT)).from(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.SESSION_ID.eq(CHAT_SESSIONS.SESSION_ID)).<Instant>asField("last_message_at");
        var count = DSL.selectCount().from(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.SESSION_ID.eq(CHAT_SESSIONS.SESSION_ID)).<Integer>asField("messages");
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
        return new Page(page, Optional.of(Base64.getUrlEncoder().withoutPadding()
                .encodeToString((tail.createdAt() + "|" + tail.sessionId()).getBytes(StandardCharsets.UTF_8))));
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
