package app.donna.ingress.dashboards;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.stereotype.Component;

/**
 * Reads the dashboards' read models ({@code dashboards} projection) for one workspace, as the API shows
 * them. What a conversation needs is decided here from its figures, the same way for every channel:
 * {@code waiting} (for staff) while a request taken in it is not done or autopilot handed its mail to a
 * person and nobody has answered; else {@code handled} once a call ended, a mail thread was answered, or
 * every request in it is done; else {@code open} (the assistant is on it).
 */
@Component
class Dashboards {

    static final String CALL_SUMMARY = "secretary.call_summary";

    /** Every dashboard this API serves, by name. */
    static final List<String> NAMES = List.of("inbox", "secretary");

    record Conversation(
            String conversationId,
            String channel,
            String contact,
            String status,
            String lastMessage,
            String lastFrom,
            Instant lastAt,
            Instant startedAt,
            int messages,
            Map<String, Integer> verdicts,
            Map<String, Integer> requests) {}

    record Inbox(List<Conversation> conversations, Map<String, Integer> counts) {}

    record Item(
            UUID actionId,
            String kind,
            String source,
            String conversationId,
            String contactName,
            String callbackNumber,
            String summary,
            Instant requestedAt,
            String delivery,
            String status,
            String statusChangedBy,
            Instant statusChangedAt) {}

    record Secretary(List<Item> items, Map<String, Integer> counts) {}

    private final DSLContext db;

    Dashboards(DSLContext db) {
        this.db = db;
    }

    /** The dashboard {@code name} of {@code workspace} (the default one also holds rows of no workspace). */
    Object of(String name, String workspace, boolean isDefault, int limit) {
        return switch (name) {
            case "inbox" -> inbox(workspace, isDefault, limit);
            case "secretary" -> secretary(workspace, isDefault, limit);
            default -> throw new IllegalArgumentException("no dashboard " + name);
        };
    }

    private static final String STATUS = "CASE WHEN (escalated AND NOT answered) OR requests_open > 0 THEN 'waiting' "
            + "WHEN ended OR answered OR requests > 0 THEN 'handled' ELSE 'open' END";

    private static final String CONVERSATIONS = "SELECT *, " + STATUS + " AS status FROM (SELECT c.*, "
            + "(SELECT count(*) FROM dashboard_secretary_items i WHERE i.conversation_id = c.conversation_id "
            + "AND i.kind <> '" + CALL_SUMMARY + "') AS requests, "
            + "(SELECT count(*) FROM dashboard_secretary_items i WHERE i.conversation_id = c.conversation_id "
            + "AND i.kind <> '" + CALL_SUMMARY + "' AND i.status <> 'done') AS requests_open "
            + "FROM dashboard_conversations c WHERE (c.workspace_id = ? OR (? AND c.workspace_id IS NULL))) figures";

    Inbox inbox(String workspace, boolean isDefault, int limit) {
        List<Conversation> rows = db.fetch(
                        CONVERSATIONS + " ORDER BY last_at DESC, conversation_id LIMIT ?", workspace, isDefault, limit)
                .map(Dashboards::conversation);
        Map<String, Integer> counts = new LinkedHashMap<>(Map.of("open", 0, "waiting", 0, "handled", 0));
        db.fetch("SELECT status, count(*) FROM (" + CONVERSATIONS + ") s GROUP BY status", workspace, isDefault)
                .forEach(r -> counts.put(r.get(0, String.class), r.get(1, Integer.class)));
        return new Inbox(rows, counts);
    }

    private static Conversation conversation(Record r) {
        return new Conversation(
                r.get("conversation_id", String.class),
                r.get("channel", String.class),
                r.get("contact", String.class),
                r.get("status", String.class),
                r.get("last_message", String.class),
                r.get("last_from", String.class),
                r.get("last_at", Instant.class),
                r.get("started_at", Instant.class),
                r.get("messages", Integer.class),
                Map.of("flagged", r.get("flagged", Integer.class), "blocked", r.get("blocked", Integer.class)),
                Map.of("total", r.get("requests", Integer.class), "open", r.get("requests_open", Integer.class)));
    }

    Secretary secretary(String workspace, boolean isDefault, int limit) {
        String mine = " FROM dashboard_secretary_items WHERE (workspace_id = ? OR (? AND workspace_id IS NULL))";
        List<Item> items = db.fetch(
                        "SELECT *" + mine + " ORDER BY requested_at DESC, action_id LIMIT ?",
                        workspace,
                        isDefault,
                        limit)
                .map(r -> new Item(
                        r.get("action_id", UUID.class),
                        r.get("kind", String.class),
                        r.get("source", String.class),
                        r.get("conversation_id", String.class),
                        r.get("contact_name", String.class),
                        r.get("callback_number", String.class),
                        r.get("summary", String.class),
                        r.get("requested_at", Instant.class),
                        r.get("delivery", String.class),
                        r.get("status", String.class),
                        r.get("status_changed_by", String.class),
                        r.get("status_changed_at", Instant.class)));
        Record counts = db.fetchOne(
                "SELECT count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'in_progress'), "
                        + "count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status <> 'done' "
                        + "AND kind = 'secretary.take_message' AND callback_number IS NOT NULL)" + mine,
                workspace,
                isDefault);
        Map<String, Integer> figures = new LinkedHashMap<>();
        figures.put("new", counts.get(0, Integer.class));
        figures.put("inProgress", counts.get(1, Integer.class));
        figures.put("done", counts.get(2, Integer.class));
        figures.put("callbacksDue", counts.get(3, Integer.class));
        return new Secretary(items, figures);
    }

    /** A secretary item's user and workspace (null: the default's), to change its status; null if none. */
    Record item(UUID actionId) {
        return db.fetchOne("SELECT user_id, workspace_id FROM dashboard_secretary_items WHERE action_id = ?", actionId);
    }
}
