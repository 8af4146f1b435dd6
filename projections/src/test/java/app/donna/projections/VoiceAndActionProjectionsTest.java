package app.donna.projections;

import static app.donna.projections.db.Tables.ACTIONS;
import static app.donna.projections.db.Tables.VOICE_RESPONSES;
import static app.donna.projections.db.Tables.VOICE_SESSIONS;
import static app.donna.projections.db.Tables.VOICE_TRANSCRIPTS;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.events.common.EventSource;
import app.donna.events.common.TokenUsage;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceEndReason;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceToolCalled;
import app.donna.events.voice.VoiceTranscript;
import app.donna.events.voice.VoiceTransport;
import app.donna.projections.actions.ActionProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.projections.engine.Projection;
import app.donna.projections.voice.VoiceProjection;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The voice and action read models on a real database, with events in the orders Kafka may give them. */
@ExtendWith(InfraExtension.class)
class VoiceAndActionProjectionsTest {

    static final HikariDataSource DATA = MigratedDatabase.create("voice-and-actions");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void aCallIsOneRowWhateverOrderItsEventsArriveInWithItsTranscriptOnce() {
        UUID call = UUID.randomUUID();
        VoiceTranscript said = transcript(call, SpeakerRole.USER, "Hi, it's Ada\u0000", 1);
        VoiceResponseCompleted first = response(call, 10, 20);
        apply(new VoiceProjection(), ended(call, VoiceEndReason.CLIENT_CLOSED, 65_000), said);
        apply(
                new VoiceProjection(),
                started(call),
                first,
                first, // a client's repeated report: the same event
                said, // read again: kept once
                transcript(call, SpeakerRole.ASSISTANT, "Hello Ada", 2),
                tool(call),
                response(call, 5, 7));

        var row = DB.selectFrom(VOICE_SESSIONS)
                .where(VOICE_SESSIONS.VOICE_SESSION_ID.eq(call))
                .fetchOne();
        assertThat(row.getUserId()).isEqualTo("ada");
        assertThat(row.getTransport()).isEqualTo("WEBSOCKET");
        assertThat(row.getStartedAt()).isEqualTo(T0);
        assertThat(row.getEndReason()).isEqualTo("CLIENT_CLOSED");
        assertThat(row.getDurationMs()).isEqualTo(65_000);
        assertThat(row.getToolCalls()).isEqualTo(1);
        String usage = DB.select(
                        DSL.count(), DSL.sum(VOICE_RESPONSES.INPUT_TOKENS), DSL.sum(VOICE_RESPONSES.OUTPUT_TOKENS))
                .from(VOICE_RESPONSES)
                .where(VOICE_RESPONSES.VOICE_SESSION_ID.eq(call))
                .fetchOne(r -> r.value1() + " responses, " + r.value2() + " in, " + r.value3() + " out");
        assertThat(usage).as("a response reported twice counts once").isEqualTo("2 responses, 15 in, 27 out");
        assertThat(DB.select(VOICE_TRANSCRIPTS.ROLE, VOICE_TRANSCRIPTS.TEXT)
                        .from(VOICE_TRANSCRIPTS)
                        .where(VOICE_TRANSCRIPTS.VOICE_SESSION_ID.eq(call))
                        .orderBy(VOICE_TRANSCRIPTS.OCCURRED_AT)
                        .fetch(r -> r.value1() + ": " + r.value2()))
                .containsExactly("USER: Hi, it's Ada\uFFFD", "ASSISTANT: Hello Ada");
    }

    @Test
    void anActionRecordsItsAttemptsAndOnceDeliveredStaysDelivered() {
        ActionRequested asked = requested();
        apply(
                new ActionProjection(),
                asked,
                asked, // published twice: one row
                failed(asked, 1, "the webhook answered 500", true));
        assertThat(status(asked)).isEqualTo("retrying");

        apply(new ActionProjection(), delivered(asked, 2), failed(asked, 3, "a late report", false));

        var row = DB.selectFrom(ACTIONS)
                .where(ACTIONS.ACTION_ID.eq(asked.getActionId()))
                .fetchOne();
        assertThat(row.getStatus()).isEqualTo("delivered");
        assertThat(row.getAttempts()).isEqualTo(2);
        assertThat(row.getKind()).isEqualTo("secretary.take_message");
        assertThat(row.getSourceId()).isEqualTo(asked.getSourceId());

        ActionRequested other = requested();
        apply(
                new ActionProjection(),
                other,
                failed(other, 1, "the webhook answered 500", true),
                failed(other, 2, "the webhook answered 503", false));
        var gaveUp = DB.selectFrom(ACTIONS)
                .where(ACTIONS.ACTION_ID.eq(other.getActionId()))
                .fetchOne();
        assertThat(gaveUp.getStatus()).isEqualTo("failed");
        assertThat(gaveUp.getAttempts()).isEqualTo(2);
        assertThat(gaveUp.getLastError()).isEqualTo("the webhook answered 503");
    }

    static void apply(Projection projection, SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, projection, events);
    }

    static String status(ActionRequested action) {
        return DB.select(ACTIONS.STATUS)
                .from(ACTIONS)
                .where(ACTIONS.ACTION_ID.eq(action.getActionId()))
                .fetchOne()
                .value1();
    }

    static VoiceSessionStarted started(UUID call) {
        return VoiceSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setVoiceSessionId(call)
                .setUserId("ada")
                .setModel("gpt-realtime")
                .setVoice("alloy")
                .setTransport(VoiceTransport.WEBSOCKET)
                .build();
    }

    static VoiceSessionEnded ended(UUID call, VoiceEndReason reason, long durationMs) {
        return VoiceSessionEnded.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusMillis(durationMs))
                .setVoiceSessionId(call)
                .setUserId("ada")
                .setReason(reason)
                .setDurationMs(durationMs)
                .build();
    }

    static VoiceResponseCompleted response(UUID call, int in, int out) {
        return VoiceResponseCompleted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(5))
                .setVoiceSessionId(call)
                .setUserId("ada")
                .setResponseId("resp_" + UUID.randomUUID())
                .setUsage(TokenUsage.newBuilder()
                        .setInputTokens(in)
                        .setOutputTokens(out)
                        .setTotalTokens(in + out)
                        .build())
                .build();
    }

    static VoiceToolCalled tool(UUID call) {
        return VoiceToolCalled.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(9))
                .setVoiceSessionId(call)
                .setUserId("ada")
                .setCallId("call_1")
                .setToolName("take_message")
                .setArgumentsJson("{}")
                .build();
    }

    static VoiceTranscript transcript(UUID call, SpeakerRole role, String text, int second) {
        return VoiceTranscript.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setVoiceSessionId(call)
                .setUserId("ada")
                .setItemId("item_" + second)
                .setRole(role)
                .setText(text)
                .build();
    }

    static ActionRequested requested() {
        return ActionRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setUserId("ada")
                .setActionId(UUID.randomUUID())
                .setKind("secretary.take_message")
                .setIntegration("secretary")
                .setPayloadJson("{\"message\":\"call me\"}")
                .setSource(EventSource.VOICE)
                .setSourceId(UUID.randomUUID().toString())
                .build();
    }

    static ActionFailed failed(ActionRequested action, int attempt, String error, boolean retryable) {
        return ActionFailed.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(attempt).truncatedTo(ChronoUnit.MILLIS))
                .setUserId("ada")
                .setActionId(action.getActionId())
                .setIntegration("secretary")
                .setAttempt(attempt)
                .setError(error)
                .setRetryable(retryable)
                .build();
    }

    static ActionDelivered delivered(ActionRequested action, int attempt) {
        return ActionDelivered.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(attempt))
                .setUserId("ada")
                .setActionId(action.getActionId())
                .setIntegration("secretary")
                .setAttempt(attempt)
                .setResponseStatus(200)
                .build();
    }
}
