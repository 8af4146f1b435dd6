package app.donna.ingress.chat;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;

import app.donna.ingress.paging.Cursor;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/** Reads chat sessions and messages from the projections' read model. */
@Component
class ChatHistory {

    /**
     * One turn as the API shows it.
     *
     * @param verdict  for the user's turns: ALLOW, FLAG or BLOCK
     * @param replyTo  for the assistant's turns: the message answered
     * @param degraded for the assistant's turns: answered by the offline responder
     */
    record Message(
            UUID messageId,
            String role,
            String text,
            Instant occurredAt,
            String verdict,
            UUID replyTo,
            boolean degraded) {}

    record Page(List<Message> messages, Optional<Cursor> next) {}

    private final DSLContext db;

    ChatHistory(DSLContext db) {
        this.db = db;
    }

    Page page(UUID sessionId, Optional<Cursor> after, int limit) {
        Condition condition = CHAT_MESSAGES.SESSION_ID.eq(sessionId);
        if (after.isPresent()) {
            condition = condition.and(DSL.row(CHAT_MESSAGES.OCCURRED_AT, CHAT_MESSAGES.MESSAGE_ID)
                    .gt(after.get().at(), after.get().id()));
        }
        List<Message> rows = db.select(
                        CHAT_MESSAGES.MESSAGE_ID,
                        CHAT_MESSAGES.ROLE,
                        CHAT_MESSAGES.BODY,
                        CHAT_MESSAGES.OCCURRED_AT,
                        CHAT_MESSAGES.VERDICT,
                        CHAT_MESSAGES.REPLY_TO,
                        CHAT_MESSAGES.DEGRADED)
                .from(CHAT_MESSAGES)
                .where(condition)
                .orderBy(CHAT_MESSAGES.OCCURRED_AT, CHAT_MESSAGES.MESSAGE_ID)
                .limit(limit + 1)
                .fetch(r -> new Message(
                        r.value1(),
                        r.value2(),
                        r.value3(),
                        r.value4(),
                        r.value5(),
                        r.value6(),
                        Boolean.TRUE.equals(r.value7())));
        if (rows.size() <= limit) {
            return new Page(rows, Optional.empty());
        }
        List<Message> page = rows.subList(0, limit);
        Message last = page.getLast();
        return new Page(page, Optional.of(new Cursor(last.occurredAt(), last.messageId())));
    }
}
