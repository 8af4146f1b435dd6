package app.donna.projections.voice;

import static app.donna.projections.db.Tables.VOICE_RESPONSES;
import static app.donna.projections.db.Tables.VOICE_SESSIONS;
import static app.donna.projections.db.Tables.VOICE_TRANSCRIPTS;

import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceToolCalled;
import app.donna.events.voice.VoiceTranscript;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * Voice calls for their owners and dashboards.
 *
 * <p>Consumes: {@code donna.voice.events}. Produces: one {@code voice_sessions} row per call, which each
 * event fills in whatever order they arrive in (the start's details, the end's reason and duration, a
 * count of tool calls); each completed response once in {@code voice_responses} (a repeated report has
 * the same event id), from which a call's usage is summed; and the final transcripts in
 * {@code voice_transcripts}, as redacted by the relay. A call's events share a partition,
 * and the batch's statements run in order in the batch's transaction.
 */
public final class VoiceProjection implements Projection {

    @Override
    public String name() {
        return "voice";
    }

    @Override
    public List<String> tables() {
        return List.of("voice_sessions", "voice_transcripts", "voice_responses");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.VOICE_EVENTS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        List<Query> queries = new ArrayList<>();
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case VoiceSessionStarted s ->
                    queries.add(session(tx, s.getVoiceSessionId(), s.getUserId())
                            .set(VOICE_SESSIONS.MODEL, StorableText.of(s.getModel()))
                            .set(VOICE_SESSIONS.VOICE, StorableText.of(s.getVoice()))
                            .set(VOICE_SESSIONS.TRANSPORT, s.getTransport().name())
                            .set(VOICE_SESSIONS.STARTED_AT, s.getOccurredAt())
                            .set(VOICE_SESSIONS.WORKSPACE_ID, StorableText.of(s.getWorkspaceId()))
                            .onConflict(VOICE_SESSIONS.VOICE_SESSION_ID)
                            .doUpdate()
                            .set(VOICE_SESSIONS.MODEL, StorableText.of(s.getModel()))
                            .set(VOICE_SESSIONS.VOICE, StorableText.of(s.getVoice()))
                            .set(VOICE_SESSIONS.TRANSPORT, s.getTransport().name())
                            .set(VOICE_SESSIONS.STARTED_AT, s.getOccurredAt())
                            .set(VOICE_SESSIONS.WORKSPACE_ID, StorableText.of(s.getWorkspaceId())));
                case VoiceSessionEnded e ->
                    queries.add(session(tx, e.getVoiceSessionId(), e.getUserId())
                            .set(VOICE_SESSIONS.ENDED_AT, e.getOccurredAt())
                            .set(VOICE_SESSIONS.DURATION_MS, e.getDurationMs())
                            .set(VOICE_SESSIONS.END_REASON, e.getReason().name())
                            .set(VOICE_SESSIONS.ERROR, StorableText.of(e.getError()))
                            .onConflict(VOICE_SESSIONS.VOICE_SESSION_ID)
                            .doUpdate()
                            .set(VOICE_SESSIONS.ENDED_AT, e.getOccurredAt())
                            .set(VOICE_SESSIONS.DURATION_MS, e.getDurationMs())
                            .set(VOICE_SESSIONS.END_REASON, e.getReason().name())
                            .set(VOICE_SESSIONS.ERROR, StorableText.of(e.getError())));
                case VoiceResponseCompleted r -> {
                    queries.add(session(tx, r.getVoiceSessionId(), r.getUserId())
                            .onConflict(VOICE_SESSIONS.VOICE_SESSION_ID)
                            .doNothing());
                    queries.add(tx.insertInto(VOICE_RESPONSES)
                            .set(VOICE_RESPONSES.EVENT_ID, r.getEventId())
                            .set(VOICE_RESPONSES.VOICE_SESSION_ID, r.getVoiceSessionId())
                            .set(VOICE_RESPONSES.RESPONSE_ID, StorableText.of(r.getResponseId()))
                            .set(
                                    VOICE_RESPONSES.INPUT_TOKENS,
                                    r.getUsage() == null ? null : r.getUsage().getInputTokens())
                            .set(
                                    VOICE_RESPONSES.OUTPUT_TOKENS,
                                    r.getUsage() == null ? null : r.getUsage().getOutputTokens())
                            .set(VOICE_RESPONSES.LATENCY_MS, r.getLatencyMs())
                            .set(VOICE_RESPONSES.OCCURRED_AT, r.getOccurredAt())
                            .onConflictDoNothing());
                }
                case VoiceToolCalled t ->
                    queries.add(session(tx, t.getVoiceSessionId(), t.getUserId())
                            .set(VOICE_SESSIONS.TOOL_CALLS, 1)
                            .onConflict(VOICE_SESSIONS.VOICE_SESSION_ID)
                            .doUpdate()
                            .set(VOICE_SESSIONS.TOOL_CALLS, VOICE_SESSIONS.TOOL_CALLS.plus(1)));
                case VoiceTranscript t ->
                    queries.add(tx.insertInto(VOICE_TRANSCRIPTS)
                            .set(VOICE_TRANSCRIPTS.EVENT_ID, t.getEventId())
                            .set(VOICE_TRANSCRIPTS.VOICE_SESSION_ID, t.getVoiceSessionId())
                            .set(VOICE_TRANSCRIPTS.ITEM_ID, StorableText.of(t.getItemId()))
                            .set(VOICE_TRANSCRIPTS.ROLE, t.getRole().name())
                            .set(VOICE_TRANSCRIPTS.TEXT, StorableText.of(t.getText()))
                            .set(VOICE_TRANSCRIPTS.OCCURRED_AT, t.getOccurredAt())
                            .onConflictDoNothing());
                default -> {
                    // events of other kinds are not part of this read model
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }

    private static org.jooq.InsertSetMoreStep<app.donna.projections.db.tables.records.VoiceSessionsRecord> session(
            DSLContext tx, UUID voiceSessionId, String userId) {
        return tx.insertInto(VOICE_SESSIONS)
                .set(VOICE_SESSIONS.VOICE_SESSION_ID, voiceSessionId)
                .set(VOICE_SESSIONS.USER_ID, StorableText.of(userId));
    }
}
