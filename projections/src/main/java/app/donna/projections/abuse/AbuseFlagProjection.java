package app.donna.projections.abuse;

import static app.donna.projections.db.Tables.ABUSE_FLAGS;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.common.VerdictReason;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Flagged and blocked content, for review and dashboards.
 *
 * <p>Consumes: {@code donna.abuse.flags} (AbuseFlagged). Produces: rows in {@code abuse_flags} with the
 * reasons as JSON; the evidence was redacted by the abuse detector and is stored as it came.
 */
public final class AbuseFlagProjection implements Projection {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String name() {
        return "abuse";
    }

    @Override
    public List<String> tables() {
        return List.of("abuse_flags");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.ABUSE_FLAGS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        var insert = tx.insertInto(
                ABUSE_FLAGS,
                ABUSE_FLAGS.FLAG_ID,
                ABUSE_FLAGS.USER_ID,
                ABUSE_FLAGS.ANONYMOUS,
                ABUSE_FLAGS.SOURCE,
                ABUSE_FLAGS.SESSION_ID,
                ABUSE_FLAGS.MESSAGE_ID,
                ABUSE_FLAGS.DECISION,
                ABUSE_FLAGS.CATEGORIES,
                ABUSE_FLAGS.REASONS,
                ABUSE_FLAGS.TRIGGERING_EVENT_ID,
                ABUSE_FLAGS.OCCURRED_AT);
        int rows = 0;
        for (ProjectedEvent projected : batch) {
            if (projected.event() instanceof AbuseFlagged f) {
                insert = insert.values(
                        f.getEventId(),
                        StorableText.of(f.getUserId()),
                        f.getAnonymous(),
                        f.getSource().name(),
                        f.getSessionId(),
                        f.getMessageId(),
                        f.getDecision().name(),
                        categories(f.getReasons()),
                        reasonsJson(f.getReasons()),
                        f.getTriggeringEventId(),
                        f.getOccurredAt());
                rows++;
            }
        }
        if (rows > 0) {
            insert.execute();
        }
    }

    private static String categories(List<VerdictReason> reasons) {
        return reasons.stream().map(r -> r.getCategory().name()).distinct().collect(Collectors.joining(","));
    }

    static String reasonsJson(List<VerdictReason> reasons) {
        return JSON.writeValueAsString(reasons.stream()
                .map(r -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("ruleId", r.getRuleId());
                    m.put("category", r.getCategory().name());
                    m.put("severity", r.getSeverity().name());
                    m.put("evidence", r.getEvidence());
                    return m;
                })
                .toList());
    }
}
