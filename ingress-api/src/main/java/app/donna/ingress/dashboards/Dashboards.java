package app.donna.ingress.dashboards;

import app.donna.platform.budget.TokenBudget;
import app.donna.platform.workspace.SpentBudgets;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
    static final List<String> NAMES = List.of("inbox", "secretary", "sales", "marketing", "analytics");

    record Conversation(
            String conversationId,
            String channel,
            String contact,
            String status,
            String takenOverBy,
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

    /** One day of one channel, in UTC. */
    record Day(
            LocalDate day,
            String channel,
            long conversations,
            long messages,
            long replies,
            Map<String, Object> firstReply,
            long degradedReplies,
            Map<String, Long> degradedBecause,
            Map<String, Long> flags,
            Map<String, Long> autopilot,
            Map<String, Map<String, Long>> tokens,
            BigDecimal estimatedCostUsd,
            List<String> unpricedModels) {}

    /**
     * Today's model budget: whether the workspace's is spent (then {@code usedTokens} of {@code limitTokens}
     * when it was found so), and how many visitors have spent theirs. Answers go without the model meanwhile.
     */
    record Budget(LocalDate day, boolean spent, Long usedTokens, Long limitTokens, int visitorsSpent) {}

    record Analytics(List<Day> days, Budget budget) {}

    static final int MAX_DAYS = 90;

    /** A contact the business could sell to, with where they came from and how far they have got. */
    record Lead(
            String contact,
            String name,
            String stage,
            Instant firstSeenAt,
            Instant lastSeenAt,
            String sourceConversationId,
            int requests,
            int bookings,
            int mails) {}

    record Sales(List<Lead> leads, Map<String, Integer> counts) {}

    /** One campaign (empty: none): its conversations, those that asked the business for something, its leads. */
    record Campaign(String campaign, long conversations, long converted, long leads, double conversion) {}

    record Marketing(List<Campaign> campaigns) {}

    private static final String STAGE =
            "CASE WHEN bookings > 0 THEN 'booking' WHEN requests > 0 THEN 'engaged' ELSE 'new' END";

    /**
     * The leads, most recently seen first: {@code new} (they mailed), {@code engaged} (they left a message or
     * a request), {@code booking} (they asked to book).
     */
    Sales sales(String workspace, boolean isDefault, int limit) {
        String mine = " FROM dashboard_leads WHERE (workspace_key = ? OR (? AND workspace_key = ''))";
        List<Lead> leads = db.fetch(
                        "SELECT *, " + STAGE + " AS stage" + mine + " ORDER BY last_seen_at DESC, contact_key LIMIT ?",
                        workspace,
                        isDefault,
                        limit)
                .map(r -> new Lead(
                        r.get("contact", String.class),
                        r.get("name", String.class),
                        r.get("stage", String.class),
                        r.get("first_seen_at", Instant.class),
                        r.get("last_seen_at", Instant.class),
                        r.get("source_conversation_id", String.class),
                        r.get("requests", Integer.class),
                        r.get("bookings", Integer.class),
                        r.get("mails", Integer.class)));
        Map<String, Integer> counts = new LinkedHashMap<>(Map.of("new", 0, "engaged", 0, "booking", 0));
        db.fetch("SELECT " + STAGE + ", count(*)" + mine + " GROUP BY 1", workspace, isDefault)
                .forEach(r -> counts.put(r.get(0, String.class), r.get(1, Integer.class)));
        return new Sales(leads, counts);
    }

    /**
     * Per campaign: the conversations attributed to it, how many of them asked the business for something
     * (a message taken, a booking), their share, and the leads first seen in them.
     */
    Marketing marketing(String workspace, boolean isDefault) {
        Map<String, Long> leads = new LinkedHashMap<>();
        db.fetch(
                        "SELECT COALESCE(c.campaign, ''), count(*) FROM dashboard_leads l JOIN dashboard_conversations c "
                                + "ON c.conversation_id = l.source_conversation_id WHERE " + MINE + " GROUP BY 1",
                        workspace,
                        isDefault)
                .forEach(r -> leads.put(r.get(0, String.class), r.get(1, Long.class)));
        List<Campaign> campaigns = db.fetch(
                        "SELECT COALESCE(c.campaign, '') AS campaign, count(*) AS conversations, count(*) FILTER (WHERE "
                                + "EXISTS (SELECT 1 FROM dashboard_secretary_items i WHERE i.conversation_id = c.conversation_id "
                                + "AND i.kind <> '" + CALL_SUMMARY
                                + "')) AS converted FROM dashboard_conversations c WHERE "
                                + MINE + " GROUP BY 1 ORDER BY 2 DESC, 1",
                        workspace,
                        isDefault)
                .map(r -> {
                    long conversations = r.get(1, Long.class);
                    long converted = r.get(2, Long.class);
                    return new Campaign(
                            r.get(0, String.class),
                            conversations,
                            converted,
                            leads.getOrDefault(r.get(0, String.class), 0L),
                            conversations == 0 ? 0 : (double) converted / conversations);
                });
        return new Marketing(campaigns);
    }

    private final DSLContext db;
    private final Clock clock;
    private final DashboardSettings settings;
    private final SpentBudgets budgets;

    Dashboards(DSLContext db, Clock clock, DashboardSettings settings, SpentBudgets budgets) {
        this.budgets = budgets;
        this.db = db;
        this.clock = clock;
        this.settings = settings;
    }

    private static final String MINE = "(c.workspace_id = ? OR (? AND c.workspace_id IS NULL))";

    /**
     * Per day (UTC) and channel, the last {@code days} days: conversations begun, messages, replies, the
     * median and 95th percentile time from a customer's first message to the first reply after it, degraded
     * replies, flags by risk category, autopilot decisions by reason, tokens by model and their estimated
     * cost at the configured prices.
     */
    Analytics analytics(String workspace, boolean isDefault, int days) {
        LocalDate from = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(days - 1L);
        // newest day first, channels in name order
        Map<String, Map<String, Object>> out = new TreeMap<>(Comparator.reverseOrder());
        db.fetch(
                        "SELECT (COALESCE(c.started_at, c.last_at) AT TIME ZONE 'UTC')::date AS day, c.channel, count(*) "
                                + "FROM dashboard_conversations c WHERE " + MINE
                                + " AND COALESCE(c.started_at, c.last_at) >= ?::timestamptz GROUP BY 1, 2",
                        workspace,
                        isDefault,
                        from.atStartOfDay(ZoneOffset.UTC).toOffsetDateTime().toString())
                .forEach(r -> day(out, r.get(0, LocalDate.class), r.get(1, String.class))
                        .put("conversations", r.get(2, Long.class)));
        db.fetch(
                        "SELECT f.day, c.channel, f.figure, f.label, sum(f.n) FROM dashboard_facts f "
                                + "JOIN dashboard_conversations c ON c.conversation_id = f.conversation_id WHERE "
                                + MINE
                                + " AND f.day >= ?::date GROUP BY 1, 2, 3, 4",
                        workspace,
                        isDefault,
                        from.toString())
                .forEach(r -> {
                    Map<String, Object> d = day(out, r.get(0, LocalDate.class), r.get(1, String.class));
                    String figure = r.get(2, String.class);
                    String label = r.get(3, String.class);
                    long n = r.get(4, Long.class);
                    switch (figure) {
                        case "messages", "replies" -> d.put(figure, n);
                        case "degraded" -> {
                            d.merge("degraded", n, (a, b) -> (Long) a + (Long) b);
                            map(d, "degradedBecause").put(label.isEmpty() ? "unknown" : label, n);
                        }
                        case "flag", "autopilot" -> map(d, figure).put(label, n);
                        default -> map(d, "tokens:" + label).put(figure.replace("_tokens", ""), n);
                    }
                });
        db.fetch(
                        "SELECT (first_customer_at AT TIME ZONE 'UTC')::date, channel, "
                                + "percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), "
                                + "percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), count(*) FROM ("
                                + "SELECT c.channel, c.first_customer_at, EXTRACT(EPOCH FROM ((SELECT min(r.at) FROM "
                                + "dashboard_replies r WHERE r.conversation_id = c.conversation_id AND r.at >= c.first_customer_at) "
                                + "- c.first_customer_at)) * 1000 AS ms FROM dashboard_conversations c WHERE " + MINE
                                + " AND c.first_customer_at >= ?::timestamptz) x WHERE ms IS NOT NULL GROUP BY 1, 2",
                        workspace,
                        isDefault,
                        from.atStartOfDay(ZoneOffset.UTC).toOffsetDateTime().toString())
                .forEach(r -> {
                    Map<String, Object> latency = new LinkedHashMap<>();
                    latency.put("medianMs", Math.round(r.get(2, Double.class)));
                    latency.put("p95Ms", Math.round(r.get(3, Double.class)));
                    latency.put("measured", r.get(4, Long.class));
                    day(out, r.get(0, LocalDate.class), r.get(1, String.class)).put("firstReply", latency);
                });
        Optional<TokenBudget.Spent> spent = budgets.spent(workspace, null);
        Budget budget = new Budget(
                LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC),
                spent.isPresent(),
                spent.map(TokenBudget.Spent::usedTokens).orElse(null),
                spent.map(TokenBudget.Spent::limitTokens).orElse(null),
                budgets.visitorsSpentToday(workspace));
        return new Analytics(
                out.values().stream()
                        .map(this::day)
                        .sorted(Comparator.comparing(Day::day).reversed().thenComparing(Day::channel))
                        .toList(),
                budget);
    }

    @SuppressWarnings("unchecked")
    private Day day(Map<String, Object> d) {
        Map<String, Map<String, Long>> tokens = new TreeMap<>();
        BigDecimal cost = BigDecimal.ZERO;
        List<String> unpriced = new java.util.ArrayList<>();
        for (var e : d.entrySet()) {
            if (e.getKey().startsWith("tokens:")) {
                String model = e.getKey().substring("tokens:".length());
                Map<String, Long> used = (Map<String, Long>) e.getValue();
                tokens.put(model, used);
                DashboardSettings.Price price = settings.prices().get(model);
                if (price == null) {
                    unpriced.add(model);
                } else {
                    cost = cost.add(price.of(used.getOrDefault("input", 0L), used.getOrDefault("output", 0L)));
                }
            }
        }
        return new Day(
                (LocalDate) d.get("day"),
                (String) d.get("channel"),
                (long) d.getOrDefault("conversations", 0L),
                (long) d.getOrDefault("messages", 0L),
                (long) d.getOrDefault("replies", 0L),
                (Map<String, Object>) d.get("firstReply"),
                (long) d.getOrDefault("degraded", 0L),
                (Map<String, Long>) d.getOrDefault("degradedBecause", Map.of()),
                (Map<String, Long>) d.getOrDefault("flag", Map.of()),
                (Map<String, Long>) d.getOrDefault("autopilot", Map.of()),
                tokens,
                tokens.isEmpty() ? BigDecimal.ZERO : unpriced.isEmpty() ? cost : null,
                unpriced);
    }

    private static Map<String, Object> day(Map<String, Map<String, Object>> days, LocalDate day, String channel) {
        return days.computeIfAbsent(day + "/" + channel, k -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("day", day);
            d.put("channel", channel);
            return d;
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> map(Map<String, Object> day, String name) {
        return (Map<String, Long>) day.computeIfAbsent(name, k -> new TreeMap<String, Long>());
    }

    /** The dashboard {@code name} of {@code workspace} (the default one also holds rows of no workspace). */
    Object of(String name, String workspace, boolean isDefault, int limit) {
        return switch (name) {
            case "inbox" -> inbox(workspace, isDefault, limit);
            case "secretary" -> secretary(workspace, isDefault, limit);
            case "sales" -> sales(workspace, isDefault, limit);
            case "marketing" -> marketing(workspace, isDefault);
            case "analytics" -> analytics(workspace, isDefault, Math.min(limit, MAX_DAYS));
            default -> throw new IllegalArgumentException("no dashboard " + name);
        };
    }

    private static final String STATUS = "CASE WHEN taken_over_by IS NOT NULL THEN 'with_staff' "
            + "WHEN (escalated AND NOT answered) OR requests_open > 0 THEN 'waiting' "
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
        Map<String, Integer> counts =
                new LinkedHashMap<>(Map.of("open", 0, "waiting", 0, "with_staff", 0, "handled", 0));
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
                r.get("taken_over_by", String.class),
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
