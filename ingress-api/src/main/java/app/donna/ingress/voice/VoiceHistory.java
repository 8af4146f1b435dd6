package app.donna.ingress.voice;

import static app.donna.projections.db.Tables.ACTIONS;
import static app.donna.projections.db.Tables.VOICE_RESPONSES;
import static app.donna.projections.db.Tables.VOICE_SESSIONS;
import static app.donna.projections.db.Tables.VOICE_TRANSCRIPTS;

import app.donna.ingress.paging.Cursor;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/** Reads voice calls, their transcripts and the actions they led to from the projections' read model. */
@Component
class VoiceHistory {

    /** A call as its owner sees it: when, how long, why it ended, what it used. */
    record Call(
            UUID voiceSessionId,
            Instant startedAt,
            Instant endedAt,
            Long durationMs,
            String endReason,
            String model,
            String transport,
            int responses,
            long inputTokens,
            long outputTokens,
            int toolCalls) {}

    /** One final transcript line of a call (redacted by the relay). */
    record Line(String role, String text, Instant at) {}

    /** Something the caller asked the business for during the call, and where it stands. */
    record Action(UUID actionId, String kind, String status, int attempts, String lastError, Instant requestedAt) {}

    record Page(List<Call> calls, Optional<Cursor> next) {}

    record Detail(Call call, List<Line> transcript, List<Action> actions) {}

    private final DSLContext db;

    VoiceHistory(DSLContext db) {
        this.db = db;
    }

    /** {@code owner}'s calls, newest first. */
    Page calls(String owner, Optional<Cursor> before, int limit) {
        Condition condition = VOICE_SESSIONS.USER_ID.eq(owner).and(VOICE_SESSIONS.STARTED_AT.isNotNull());
        if (before.isPresent()) {
            condition = condition.and(DSL.row(VOICE_SESSIONS.STARTED_AT, VOICE_SESSIONS.VOICE_SESSION_ID)
                    .lt(before.get().at(), before.get().id()));
        }
        List<Call> rows = withUsage()
                .where(condition)
                .orderBy(VOICE_SESSIONS.STARTED_AT.desc(), VOICE_SESSIONS.VOICE_SESSION_ID.desc())
                .limit(limit + 1)
                .fetch(VoiceHistory::call);
        if (rows.size() <= limit) {
            return new Page(rows, Optional.empty());
        }
        List<Call> page = rows.subList(0, limit);
        Call last = page.getLast();
        return new Page(page, Optional.of(new Cursor(last.startedAt(), last.voiceSessionId())));
    }

    /**
     * One call with its transcript and actions, if it is {@code caller}'s own or, for staff
     * ({@code staffOf}), their workspace's; empty otherwise, or when there is none.
     *
     * @param defaultWorkspace the workspace of calls from before workspaces
     */
    Optional<Detail> call(String caller, Optional<String> staffOf, String defaultWorkspace, UUID voiceSessionId) {
        Condition visible = VOICE_SESSIONS.USER_ID.eq(caller);
        if (staffOf.isPresent()) {
            visible = visible.or(DSL.coalesce(VOICE_SESSIONS.WORKSPACE_ID, DSL.val(defaultWorkspace))
                    .eq(staffOf.get()));
        }
        Optional<Record> row = withUsage()
                .where(VOICE_SESSIONS.VOICE_SESSION_ID.eq(voiceSessionId).and(visible))
                .fetchOptional();
        return row.map(r -> new Detail(
                call(r),
                db.select(VOICE_TRANSCRIPTS.ROLE, VOICE_TRANSCRIPTS.TEXT, VOICE_TRANSCRIPTS.OCCURRED_AT)
                        .from(VOICE_TRANSCRIPTS)
                        .where(VOICE_TRANSCRIPTS.VOICE_SESSION_ID.eq(voiceSessionId))
                        .orderBy(VOICE_TRANSCRIPTS.OCCURRED_AT, VOICE_TRANSCRIPTS.EVENT_ID)
                        .fetch(l -> new Line(l.value1(), l.value2(), l.value3())),
                db.select(
                                ACTIONS.ACTION_ID,
                                ACTIONS.KIND,
                                ACTIONS.STATUS,
                                ACTIONS.ATTEMPTS,
                                ACTIONS.LAST_ERROR,
                                ACTIONS.REQUESTED_AT)
                        .from(ACTIONS)
                        // the call's caller's requests: nobody else's can name this call
                        .where(ACTIONS.SOURCE_ID
                                .eq(voiceSessionId.toString())
                                .and(ACTIONS.USER_ID.eq(r.get(VOICE_SESSIONS.USER_ID))))
                        .orderBy(ACTIONS.REQUESTED_AT)
                        .fetch(a ->
                                new Action(a.value1(), a.value2(), a.value3(), a.value4(), a.value5(), a.value6()))));
    }

    private static final Field<Integer> RESPONSES = DSL.field(DSL.selectCount()
                    .from(VOICE_RESPONSES)
                    .where(VOICE_RESPONSES.VOICE_SESSION_ID.eq(VOICE_SESSIONS.VOICE_SESSION_ID)))
            .as("responses");
    private static final Field<Long> INPUT_TOKENS = tokens(VOICE_RESPONSES.INPUT_TOKENS, "input_tokens");
    private static final Field<Long> OUTPUT_TOKENS = tokens(VOICE_RESPONSES.OUTPUT_TOKENS, "output_tokens");

    /** The call's responses' {@code column}, summed (0 when none reported any). */
    private static Field<Long> tokens(Field<Integer> column, String name) {
        return DSL.field(DSL.select(DSL.coalesce(DSL.sum(column), DSL.inline(java.math.BigDecimal.ZERO)))
                        .from(VOICE_RESPONSES)
                        .where(VOICE_RESPONSES.VOICE_SESSION_ID.eq(VOICE_SESSIONS.VOICE_SESSION_ID)))
                .cast(Long.class)
                .as(name);
    }

    /** A call's row with its responses counted and their tokens summed (each response once). */
    private org.jooq.SelectJoinStep<Record> withUsage() {
        return db.select(VOICE_SESSIONS.asterisk(), RESPONSES, INPUT_TOKENS, OUTPUT_TOKENS)
                .from(VOICE_SESSIONS);
    }

    private static Call call(Record r) {
        return new Call(
                r.get(VOICE_SESSIONS.VOICE_SESSION_ID),
                r.get(VOICE_SESSIONS.STARTED_AT),
                r.get(VOICE_SESSIONS.ENDED_AT),
                r.get(VOICE_SESSIONS.DURATION_MS),
                r.get(VOICE_SESSIONS.END_REASON),
                r.get(VOICE_SESSIONS.MODEL),
                r.get(VOICE_SESSIONS.TRANSPORT),
                r.get(RESPONSES),
                r.get(INPUT_TOKENS),
                r.get(OUTPUT_TOKENS),
                r.get(VOICE_SESSIONS.TOOL_CALLS));
    }
}
