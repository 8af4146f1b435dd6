package app.donna.projections;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionRequested;
import app.donna.events.actions.ActionStatus;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.chat.ChatTakenOver;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.SendOrigin;
import app.donna.events.common.TokenUsage;
import app.donna.events.common.Verdict;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.AutopilotDecision;
import app.donna.events.email.DraftCreated;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.GmailConnected;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceEndReason;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.events.voice.VoiceTransport;
import app.donna.projections.chat.ChatProjection;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboards' read models on a real database, fed a chat, a call and a mail thread of one workspace,
 * some events twice and some out of their order: one inbox row per conversation with its contact, last
 * message, verdicts and figures; a secretary item per request with its delivery and status; and a
 * notification naming the workspace for each batch that changed it.
 */
@ExtendWith(InfraExtension.class)
class DashboardProjectionTest {

    static final HikariDataSource DATA = MigratedDatabase.create("dashboards");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void everyChannelsConversationsAndRequestsLandOnceInTheirWorkspace() throws Exception {
        String ws = "ws-" + UUID.randomUUID();
        String visitor = "anon:" + UUID.randomUUID();
        UUID session = UUID.randomUUID();
        UUID call = UUID.randomUUID();
        String owner = "mailbox-" + UUID.randomUUID();

        ChatMessageScreened question = screened(ws, session, visitor, "Can you call me back?", Decision.ALLOW, 1);
        ChatMessageScreened rude = screened(ws, session, visitor, "you are useless", Decision.FLAG, 3);
        ActionRequested message = requested(
                ws,
                visitor,
                EventSource.CHAT,
                session.toString(),
                "secretary.take_message",
                "{\"sessionId\":\"" + session
                        + "\",\"details\":{\"caller_name\":\"Ann\",\"callback_number\":\"07700 900123\","
                        + "\"message\":\"Call me back\"}}",
                2);
        try (var listener = DATA.getConnection()) {
            listener.createStatement().execute("LISTEN " + DashboardProjection.CHANNEL);
            apply(
                    started(ws, session, visitor),
                    question,
                    question, // a second copy: counted once
                    reply(session, "I've passed that on.", 2),
                    message,
                    rude);
            var notifications =
                    listener.unwrap(org.postgresql.PGConnection.class).getNotifications(2_000);
            assertThat(notifications).extracting(n -> n.getParameter()).contains(ws);
        }

        // a call: its transcript, a booking asked for, and its recap
        apply(
                transcript(call, visitor, SpeakerRole.USER, "I'd like a haircut on Friday", 12),
                voiceStarted(ws, call, visitor, 10), // arrives after its first line
                requested(
                        ws,
                        visitor,
                        EventSource.VOICE,
                        call.toString(),
                        "bookings.request_booking",
                        "{\"details\":{\"service\":\"haircut\",\"contact\":\"bo@example.com\"}}",
                        13),
                transcript(call, visitor, SpeakerRole.ASSISTANT, "Booked it for you to confirm.", 14),
                VoiceResponseCompleted.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(T0.plusSeconds(14))
                        .setVoiceSessionId(call)
                        .setUserId(visitor)
                        .setResponseId("resp_1")
                        .setUsage(TokenUsage.newBuilder()
                                .setInputTokens(300)
                                .setOutputTokens(120)
                                .setTotalTokens(420)
                                .build())
                        .build(),
                flag(EventSource.VOICE, call.toString(), visitor, null, Decision.BLOCK, 15),
                voiceEnded(call, visitor, 20),
                requested(
                        ws,
                        visitor,
                        EventSource.VOICE,
                        call.toString(),
                        DashboardProjection.CALL_SUMMARY,
                        "{\"summary\":\"Wants a Friday haircut.\"}",
                        21));

        // a mail thread of a mailbox the workspace's member connected: escalated, then answered by a person
        apply(
                connected(ws, owner, 30),
                received(owner, "m1", "t1", "Bo <bo@example.com>", "Prices?", 31),
                decided(owner, "m1", AutopilotDecision.ESCALATE, 32));
        assertThat(inbox("email:" + owner + "/t1").get("escalated", Boolean.class))
                .isTrue();
        apply(sent(owner, "t1", "Re: Prices?", 33));
        // a draft of that thread's mail: its tokens count to the thread's conversation (and so to the
        // workspace's budget), and an acknowledgement is counted by why
        apply(DraftCreated.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(34))
                .setUserId(owner)
                .setJobId(UUID.randomUUID())
                .setGmailMessageId("m1")
                .setSubject("Re: Prices?")
                .setBody("Thanks, we will get back to you.")
                .setDegraded(true)
                .setDegradedReason("discarded")
                .setUsage(TokenUsage.newBuilder()
                        .setInputTokens(90)
                        .setOutputTokens(30)
                        .setTotalTokens(120)
                        .build())
                .build());

        Record chat = inbox("chat:" + session);
        assertThat(chat.get("workspace_id", String.class)).isEqualTo(ws);
        assertThat(chat.get("contact", String.class)).isEqualTo(visitor);
        assertThat(chat.get("messages", Integer.class))
                .as("two questions and a reply")
                .isEqualTo(3);
        assertThat(chat.get("last_message", String.class)).isEqualTo("you are useless");
        assertThat(chat.get("flagged", Integer.class)).isEqualTo(1);

        Record voiceRow = inbox("voice:" + call);
        assertThat(voiceRow.get("workspace_id", String.class)).isEqualTo(ws);
        assertThat(voiceRow.get("started_at", Instant.class)).isEqualTo(T0.plusSeconds(10));
        assertThat(voiceRow.get("messages", Integer.class)).isEqualTo(2);
        assertThat(voiceRow.get("last_message", String.class)).isEqualTo("Booked it for you to confirm.");
        assertThat(voiceRow.get("last_from", String.class)).isEqualTo("assistant");
        assertThat(voiceRow.get("blocked", Integer.class)).isEqualTo(1);
        assertThat(voiceRow.get("ended", Boolean.class)).isTrue();

        Record mail = inbox("email:" + owner + "/t1");
        assertThat(mail.get("workspace_id", String.class)).as("the mailbox's").isEqualTo(ws);
        assertThat(mail.get("contact", String.class)).isEqualTo("Bo <bo@example.com>");
        assertThat(mail.get("answered", Boolean.class)).isTrue();
        assertThat(mail.get("last_from", String.class)).isEqualTo("staff");
        assertThat(mail.get("messages", Integer.class)).isEqualTo(2);

        // the secretary: the message taken, delivered, then done; the booking; the call's recap
        apply(
                ActionDelivered.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(T0.plusSeconds(40))
                        .setUserId(visitor)
                        .setActionId(message.getActionId())
                        .setIntegration("secretary")
                        .setAttempt(1)
                        .build(),
                status(message, ActionStatus.DONE, 42),
                status(message, ActionStatus.IN_PROGRESS, 41)); // an older change read late changes nothing
        Map<String, Record> items = DB.fetch("SELECT * FROM dashboard_secretary_items WHERE workspace_id = ?", ws)
                .intoMap(r -> r.get("kind", String.class));
        assertThat(items)
                .containsOnlyKeys(
                        "secretary.take_message", "bookings.request_booking", DashboardProjection.CALL_SUMMARY);
        Record taken = items.get("secretary.take_message");
        assertThat(taken.get("contact_name", String.class)).isEqualTo("Ann");
        assertThat(taken.get("callback_number", String.class)).isEqualTo("07700 900123");
        assertThat(taken.get("conversation_id", String.class)).isEqualTo("chat:" + session);
        assertThat(taken.get("delivery", String.class)).isEqualTo("delivered");
        assertThat(taken.get("status", String.class)).isEqualTo("done");
        assertThat(items.get("bookings.request_booking").get("callback_number", String.class))
                .isEqualTo("bo@example.com");
        assertThat(items.get(DashboardProjection.CALL_SUMMARY).get("summary", String.class))
                .isEqualTo("Wants a Friday haircut.");
        assertThat(DB.fetchCount(DB.selectFrom("dashboard_conversations").where("workspace_id = ?", ws)))
                .isEqualTo(3);

        // sales: one lead per contact, wherever they left it; marketing: each conversation's campaign
        Map<String, Record> leads = DB.fetch("SELECT * FROM dashboard_leads WHERE workspace_key = ?", ws)
                .intoMap(r -> r.get("contact_key", String.class));
        assertThat(leads).containsOnlyKeys("07700900123", "bo@example.com");
        assertThat(leads.get("07700900123").get("name", String.class)).isEqualTo("Ann");
        assertThat(leads.get("07700900123").get("source_conversation_id", String.class))
                .isEqualTo("chat:" + session);
        Record bo = leads.get("bo@example.com");
        assertThat(bo.get("bookings", Integer.class)).isEqualTo(1);
        assertThat(bo.get("mails", Integer.class))
                .as("the same contact mailed too")
                .isEqualTo(1);
        assertThat(bo.get("source_conversation_id", String.class))
                .as("first seen on the call")
                .isEqualTo("voice:" + call);
        assertThat(inbox("chat:" + session).get("campaign", String.class)).isEqualTo("spring");
        assertThat(inbox("email:" + owner + "/t1").get("campaign", String.class))
                .isEqualTo("winter");

        // the analytics' facts: by conversation and day, whatever order they came in
        assertThat(facts("chat:" + session))
                .containsEntry("messages/", 3L)
                .containsEntry("replies/", 1L)
                .containsEntry("flag/UNSPECIFIED", 1L);
        assertThat(facts("voice:" + call))
                .containsEntry("messages/", 2L)
                .containsEntry("input_tokens/gpt-realtime", 300L)
                .containsEntry("output_tokens/gpt-realtime", 120L)
                .containsEntry("flag/UNSPECIFIED", 1L);
        assertThat(facts("email:" + owner + "/t1"))
                .containsEntry("messages/", 2L)
                .containsEntry("autopilot/escalate: quiet hours", 1L)
                .containsEntry("input_tokens/unknown", 90L)
                .containsEntry("output_tokens/unknown", 30L)
                .containsEntry("degraded/discarded", 1L);
        assertThat(DB.fetchValue("SELECT min(at) FROM dashboard_replies WHERE conversation_id = ?", "chat:" + session))
                .isEqualTo(T0.plusSeconds(2).atOffset(java.time.ZoneOffset.UTC));
    }

    @Test
    void aChatTakenOverShowsWhoHasItUntilHandedBackAndStaffRepliesAreStaffsTurns() {
        String ws = "ws-" + UUID.randomUUID();
        String visitor = "anon:" + UUID.randomUUID();
        UUID session = UUID.randomUUID();
        apply(started(ws, session, visitor), screened(ws, session, visitor, "A person, please", Decision.ALLOW, 1));

        apply(ChatTakenOver.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(2))
                .setSessionId(session)
                .setUserId(visitor)
                .setStaffId("ann")
                .setWorkspaceId(ws)
                .build());
        ChatReplyProduced staffReply = ChatReplyProduced.newBuilder(reply(session, "Ann here, how can I help?", 3))
                .setStaffId("ann")
                .build();
        apply(staffReply);
        Record withStaff = inbox("chat:" + session);
        assertThat(withStaff.get("taken_over_by", String.class)).isEqualTo("ann");
        assertThat(withStaff.get("last_from", String.class)).isEqualTo("staff");
        assertThat(withStaff.get("last_message", String.class)).isEqualTo("Ann here, how can I help?");

        MigratedDatabase.apply(DB, new ChatProjection(), staffReply);
        assertThat(DB.fetchValue("SELECT role FROM chat_messages WHERE message_id = ?", staffReply.getReplyId()))
                .isEqualTo("staff");

        apply(ChatHandedBack.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(4))
                .setSessionId(session)
                .setUserId(visitor)
                .setStaffId("ann")
                .setWorkspaceId(ws)
                .build());
        assertThat(inbox("chat:" + session).get("taken_over_by", String.class)).isNull();
    }

    static Map<String, Long> facts(String conversation) {
        return DB.fetch(
                        "SELECT figure || '/' || label, sum(n)::bigint FROM dashboard_facts WHERE conversation_id = ? "
                                + "GROUP BY 1",
                        conversation)
                .intoMap(r -> r.get(0, String.class), r -> r.get(1, Long.class));
    }

    static Record inbox(String conversation) {
        return DB.fetchOne("SELECT * FROM dashboard_conversations WHERE conversation_id = ?", conversation);
    }

    static ChatSessionStarted started(String ws, UUID session, String visitor) {
        return ChatSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setSessionId(session)
                .setUserId(visitor)
                .setAnonymous(true)
                .setWorkspaceId(ws)
                .setCampaign("Spring")
                .build();
    }

    static ChatMessageScreened screened(
            String ws, UUID session, String visitor, String text, Decision decision, int second) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId(visitor)
                .setAnonymous(true)
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(decision).build())
                .setSubmittedEventId(UUID.randomUUID())
                .setWorkspaceId(ws)
                .build();
    }

    static ChatReplyProduced reply(UUID session, String text, int second) {
        return ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("anon")
                .setText(text)
                .setDecision(Decision.ALLOW)
                .setDegraded(false)
                .build();
    }

    static ActionRequested requested(
            String ws, String user, EventSource source, String sourceId, String kind, String payload, int second) {
        return ActionRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setActionId(UUID.randomUUID())
                .setKind(kind)
                .setIntegration(kind.substring(0, kind.indexOf('.')))
                .setPayloadJson(payload)
                .setSource(source)
                .setSourceId(sourceId)
                .setWorkspaceId(ws)
                .build();
    }

    static ActionStatusChanged status(ActionRequested action, ActionStatus status, int second) {
        return ActionStatusChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(action.getUserId())
                .setActionId(action.getActionId())
                .setWorkspaceId(action.getWorkspaceId())
                .setStatus(status)
                .setChangedBy("sam")
                .build();
    }

    static VoiceSessionStarted voiceStarted(String ws, UUID call, String user, int second) {
        return VoiceSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setVoiceSessionId(call)
                .setUserId(user)
                .setModel("gpt-realtime")
                .setVoice("alloy")
                .setTransport(VoiceTransport.WEBSOCKET)
                .setWorkspaceId(ws)
                .build();
    }

    static VoiceTranscript transcript(UUID call, String user, SpeakerRole role, String text, int second) {
        return VoiceTranscript.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setVoiceSessionId(call)
                .setUserId(user)
                .setItemId("item-" + second)
                .setRole(role)
                .setText(text)
                .setIsFinal(true)
                .build();
    }

    static VoiceSessionEnded voiceEnded(UUID call, String user, int second) {
        return VoiceSessionEnded.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setVoiceSessionId(call)
                .setUserId(user)
                .setReason(VoiceEndReason.CLIENT_CLOSED)
                .setDurationMs(10_000L)
                .build();
    }

    static AbuseFlagged flag(
            EventSource source, String session, String user, String messageId, Decision decision, int second) {
        return AbuseFlagged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setAnonymous(true)
                .setSource(source)
                .setSessionId(session)
                .setMessageId(messageId)
                .setDecision(decision)
                .setReasons(List.of())
                .setTriggeringEventId(UUID.randomUUID())
                .build();
    }

    static GmailConnected connected(String ws, String user, int second) {
        return GmailConnected.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setEmailAddress(user + "@salon.example")
                .setScopes(List.of())
                .setWorkspaceId(ws)
                .build();
    }

    static EmailReceived received(String user, String id, String thread, String from, String subject, int second) {
        return EmailReceived.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setGmailMessageId(id)
                .setThreadId(thread)
                .setFrom(from)
                .setTo(List.of(user + "@salon.example"))
                .setSubject(subject)
                .setSnippet("How much is a cut?")
                .setReceivedAt(T0.plusSeconds(second))
                .setLabelIds(List.of("INBOX", "Campaign/Winter"))
                .build();
    }

    static AutopilotDecided decided(String user, String id, AutopilotDecision decision, int second) {
        return AutopilotDecided.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setGmailMessageId(id)
                .setDecision(decision)
                .setReasons(List.of("quiet hours"))
                .build();
    }

    static EmailSent sent(String user, String thread, String subject, int second) {
        return EmailSent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(second))
                .setUserId(user)
                .setJobId(UUID.randomUUID())
                .setSentGmailMessageId("s-" + second)
                .setThreadId(thread)
                .setSubject(subject)
                .setOrigin(SendOrigin.USER)
                .build();
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new DashboardProjection(), events);
    }
}
