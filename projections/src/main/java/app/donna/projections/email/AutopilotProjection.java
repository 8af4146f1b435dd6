package app.donna.projections.email;

import static app.donna.projections.db.Tables.AUTOPILOT_DECISIONS;
import static app.donna.projections.db.Tables.AUTOPILOT_SETTINGS;

import app.donna.events.email.AutopilotDecided;
import app.donna.events.settings.AutopilotSettings;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * Autopilot as a user sees it: the settings in force (the latest {@code AutopilotSettings} per user; an
 * older record changes nothing) and every decision with its reason ({@code AutopilotDecided}, once per
 * event), so "why did it (not) answer this?" has an answer.
 *
 * <p>Consumes: {@code donna.settings.autopilot}, {@code donna.email.events}. Produces:
 * {@code autopilot_settings}, {@code autopilot_decisions}.
 */
public final class AutopilotProjection implements Projection {

    @Override
    public String name() {
        return "autopilot";
    }

    @Override
    public List<String> tables() {
        return List.of("autopilot_decisions", "autopilot_settings");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.AUTOPILOT_SETTINGS, Topics.EMAIL_EVENTS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        List<Query> queries = new ArrayList<>();
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case AutopilotDecided d ->
                    queries.add(tx.insertInto(AUTOPILOT_DECISIONS)
                            .set(AUTOPILOT_DECISIONS.EVENT_ID, d.getEventId())
                            .set(AUTOPILOT_DECISIONS.USER_ID, StorableText.of(d.getUserId()))
                            .set(AUTOPILOT_DECISIONS.GMAIL_MESSAGE_ID, StorableText.of(d.getGmailMessageId()))
                            .set(AUTOPILOT_DECISIONS.DECISION, d.getDecision().name())
                            .set(AUTOPILOT_DECISIONS.REASONS, StorableText.of(String.join("\n", d.getReasons())))
                            .set(AUTOPILOT_DECISIONS.JOB_ID, d.getJobId())
                            .set(AUTOPILOT_DECISIONS.DECIDED_AT, d.getOccurredAt())
                            .onConflictDoNothing());
                case AutopilotSettings s -> queries.add(settings(tx, s));
                default -> {
                    // the mail, sends and connections are other read models'
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }

    private static Query settings(DSLContext tx, AutopilotSettings s) {
        String allowed = StorableText.of(String.join("\n", s.getAllowedSenders()));
        String blocked = StorableText.of(String.join("\n", s.getBlockedSenders()));
        return tx.insertInto(AUTOPILOT_SETTINGS)
                .set(AUTOPILOT_SETTINGS.USER_ID, StorableText.of(s.getUserId()))
                .set(AUTOPILOT_SETTINGS.MODE, s.getMode().name())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_DAY, s.getMaxRepliesPerDay())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_SENDER, s.getMaxRepliesPerSender())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_THREAD, s.getMaxRepliesPerThread())
                .set(AUTOPILOT_SETTINGS.QUIET_HOURS_START, s.getQuietHoursStart())
                .set(AUTOPILOT_SETTINGS.QUIET_HOURS_END, s.getQuietHoursEnd())
                .set(AUTOPILOT_SETTINGS.TIME_ZONE, s.getTimeZone())
                .set(AUTOPILOT_SETTINGS.ALLOWED_SENDERS, allowed)
                .set(AUTOPILOT_SETTINGS.BLOCKED_SENDERS, blocked)
                .set(AUTOPILOT_SETTINGS.SIGNATURE, StorableText.of(s.getSignature()))
                .set(AUTOPILOT_SETTINGS.UPDATED_AT, s.getOccurredAt())
                .onConflict(AUTOPILOT_SETTINGS.USER_ID)
                .doUpdate()
                .set(AUTOPILOT_SETTINGS.MODE, s.getMode().name())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_DAY, s.getMaxRepliesPerDay())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_SENDER, s.getMaxRepliesPerSender())
                .set(AUTOPILOT_SETTINGS.MAX_REPLIES_PER_THREAD, s.getMaxRepliesPerThread())
                .set(AUTOPILOT_SETTINGS.QUIET_HOURS_START, s.getQuietHoursStart())
                .set(AUTOPILOT_SETTINGS.QUIET_HOURS_END, s.getQuietHoursEnd())
                .set(AUTOPILOT_SETTINGS.TIME_ZONE, s.getTimeZone())
                .set(AUTOPILOT_SETTINGS.ALLOWED_SENDERS, allowed)
                .set(AUTOPILOT_SETTINGS.BLOCKED_SENDERS, blocked)
                .set(AUTOPILOT_SETTINGS.SIGNATURE, StorableText.of(s.getSignature()))
                .set(AUTOPILOT_SETTINGS.UPDATED_AT, s.getOccurredAt())
                .where(AUTOPILOT_SETTINGS.UPDATED_AT.le(s.getOccurredAt()));
    }
}
