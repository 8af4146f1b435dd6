package app.donna.projections.dashboards;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
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
import app.donna.events.common.VerdictReason;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.AutopilotDecision;
import app.donna.events.email.DraftCreated;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.GmailConnected;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.projections.email.AutomaticMail;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.Query;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The business side's live dashboards, from every channel's events: the inbox (one row per conversation,
 * chat, call or mail thread, with its contact, last message, verdicts, and what it needs) and the secretary
 * (what customers asked for, where each delivery stands, and where staff have got with it). Each event
 * counts once however often it arrives ({@code dashboard_events_seen}). After each batch the workspaces
 * whose dashboards changed are told with a PostgreSQL notification on {@value #CHANNEL} (sent when the
 * batch commits, so a listener never reads ahead of the rows), which ingress-api turns into server-sent
 * events.
 *
 * <p>Consumes: {@code donna.chat.screened}, {@code donna.chat.replies}, {@code donna.voice.events},
 * {@code donna.actions}, {@code donna.email.events}, {@code donna.abuse.flags} (calls' and mail's; chat's
 * verdicts come with the screened message). Produces: {@code dashboard_conversations},
 * {@code dashboard_secretary_items}, the analytics' {@code dashboard_facts} (per conversation and day:
 * messages, replies, degraded replies, flags by category, autopilot decisions by reason, tokens by model)
 * and {@code dashboard_replies} (each reply's time), and the lookups {@code dashboard_mailboxes},
 * {@code dashboard_mails}.
 */
public final class DashboardProjection implements Projection {

    /** The notification channel; the payload is a workspace id ({@code ""}: the default workspace). */
    public static final String CHANNEL = "donna_dashboards";

    /** The kind of a call's recap: a secretary item, but no request the conversation waits on. */
    public static final String CALL_SUMMARY = "secretary.call_summary";

    static final int LONGEST_MESSAGE = 500;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One conversation touched by one event: what it adds, and what it says if it is the latest. Built by
     * one event's case and written at once; whether a thread was answered or escalated is set by its own
     * statements.
     */
    private static final class Touch {
        final String conversationId;
        final String channel;
        final Instant at;
        String workspaceId;
        String contact;
        Instant startedAt;
        String message;
        String from;
        int messages;
        int flagged;
        int blocked;
        boolean ended;

        private Touch(String conversationId, String channel, Instant at) {
            this.conversationId = conversationId;
            this.channel = channel;
            this.at = at;
        }

        static Touch of(String conversationId, String channel, Instant at) {
            return new Touch(conversationId, channel, at);
        }

        Touch workspace(String id) {
            workspaceId = id;
            return this;
        }

        Touch started(String who) {
            contact = who;
            startedAt = at;
            return this;
        }

        Touch said(String who, String text, String by) {
            contact = who;
            message = shorten(text);
            from = by;
            messages++;
            return this;
        }

        Touch verdict(Decision decision) {
            flagged += decision == Decision.FLAG ? 1 : 0;
            blocked += decision == Decision.BLOCK ? 1 : 0;
            return this;
        }

        Touch end() {
            ended = true;
            return this;
        }
    }

    @Override
    public String name() {
        return "dashboards";
    }

    @Override
    public List<String> tables() {
        return List.of(
                "dashboard_conversations",
                "dashboard_events_seen",
                "dashboard_facts",
                "dashboard_leads",
                "dashboard_mailboxes",
                "dashboard_mails",
                "dashboard_replies",
                "dashboard_secretary_items");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(
                Topics.CHAT_SCREENED,
                Topics.CHAT_REPLIES,
                Topics.VOICE_EVENTS,
                Topics.ACTIONS,
                Topics.EMAIL_EVENTS,
                Topics.ABUSE_FLAGS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        Set<UUID> fresh = firstSeen(tx, batch);
        List<Query> queries = new ArrayList<>();
        Set<String> conversations = new LinkedHashSet<>();
        Set<UUID> items = new LinkedHashSet<>();
        for (ProjectedEvent projected : batch) {
            SpecificRecordBase event = projected.event();
            if (!(event.get("eventId") instanceof UUID eventId) || !fresh.remove(eventId)) {
                continue; // counted before, or a second copy in this batch
            }
            switch (event) {
                case ChatSessionStarted s -> {
                    String id = chat(s.getSessionId());
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(id, "chat", s.getOccurredAt())
                                    .workspace(s.getWorkspaceId())
                                    .started(s.getUserId()));
                    campaign(tx, queries, id, s.getCampaign());
                }
                case ChatMessageScreened m -> {
                    String id = chat(m.getSessionId());
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(id, "chat", m.getOccurredAt())
                                    .workspace(m.getWorkspaceId())
                                    .said(m.getUserId(), m.getText(), "customer")
                                    .verdict(m.getVerdict().getDecision()));
                    fact(tx, queries, id, m.getOccurredAt(), "messages", "", 1);
                    if (m.getVerdict().getDecision() != Decision.ALLOW) {
                        flags(tx, queries, id, m.getOccurredAt(), m.getVerdict().getReasons());
                    }
                }
                case ChatReplyProduced r -> {
                    String id = chat(r.getSessionId());
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(id, "chat", r.getOccurredAt())
                                    .said(null, r.getText(), r.getStaffId() == null ? "assistant" : "staff"));
                    fact(tx, queries, id, r.getOccurredAt(), "messages", "", 1);
                    replied(tx, queries, r.getEventId(), id, r.getOccurredAt());
                    if (r.getDegraded()) {
                        fact(
                                tx,
                                queries,
                                id,
                                r.getOccurredAt(),
                                "degraded",
                                r.getDegradedReason() == null ? "" : r.getDegradedReason(),
                                1);
                    }
                    tokens(
                            tx,
                            queries,
                            id,
                            r.getOccurredAt(),
                            r.getModel() == null ? "unknown" : r.getModel(),
                            r.getUsage());
                }
                case ChatTakenOver t ->
                    takeover(
                            tx,
                            queries,
                            conversations,
                            t.getSessionId(),
                            t.getWorkspaceId(),
                            t.getOccurredAt(),
                            t.getStaffId());
                case ChatHandedBack h ->
                    takeover(tx, queries, conversations, h.getSessionId(), h.getWorkspaceId(), h.getOccurredAt(), null);
                case VoiceSessionStarted s -> {
                    String id = voice(s.getVoiceSessionId());
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(id, "voice", s.getOccurredAt())
                                    .workspace(s.getWorkspaceId())
                                    .started(s.getUserId()));
                    queries.add(tx.query(
                            "UPDATE dashboard_conversations SET model = ? WHERE conversation_id = ?",
                            StorableText.of(s.getModel()),
                            id));
                }
                case VoiceTranscript t
                when t.getIsFinal() -> {
                    String id = voice(t.getVoiceSessionId());
                    boolean caller = t.getRole() == SpeakerRole.USER;
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(id, "voice", t.getOccurredAt())
                                    .said(null, t.getText(), caller ? "customer" : "assistant"));
                    fact(tx, queries, id, t.getOccurredAt(), "messages", "", 1);
                    if (!caller) {
                        replied(tx, queries, t.getEventId(), id, t.getOccurredAt());
                    }
                }
                case VoiceResponseCompleted r
                when r.getUsage() != null -> {
                    // the call's model, from its start on the same partition, read before this
                    String id = voice(r.getVoiceSessionId());
                    queries.add(tx.query(
                            "INSERT INTO dashboard_facts (conversation_id, day, figure, label, n) SELECT ?, ?, f.figure, "
                                    + "COALESCE((SELECT model FROM dashboard_conversations WHERE conversation_id = ?), 'realtime'), f.n "
                                    + "FROM (VALUES ('input_tokens', ?::bigint), ('output_tokens', ?::bigint)) AS f(figure, n) "
                                    + "ON CONFLICT (conversation_id, day, figure, label) DO UPDATE SET n = dashboard_facts.n + EXCLUDED.n",
                            id,
                            day(r.getOccurredAt()),
                            id,
                            (long) r.getUsage().getInputTokens(),
                            (long) r.getUsage().getOutputTokens()));
                }
                case VoiceSessionEnded e ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(voice(e.getVoiceSessionId()), "voice", e.getOccurredAt())
                                    .end());
                case ActionRequested a -> requested(tx, queries, conversations, items, a);
                case ActionDelivered d -> {
                    items.add(d.getActionId());
                    queries.add(tx.query(
                            "UPDATE dashboard_secretary_items SET delivery = 'delivered' WHERE action_id = ?",
                            d.getActionId()));
                }
                case ActionFailed f -> {
                    items.add(f.getActionId());
                    queries.add(tx.query(
                            "UPDATE dashboard_secretary_items SET delivery = ? WHERE action_id = ? AND delivery <> 'delivered'",
                            f.getRetryable() ? "retrying" : "failed",
                            f.getActionId()));
                }
                case ActionStatusChanged c
                when c.getStatus() != ActionStatus.UNKNOWN -> {
                    items.add(c.getActionId());
                    queries.add(tx.query(
                            "UPDATE dashboard_secretary_items SET status = ?, status_changed_by = ?, status_changed_at = ? "
                                    + "WHERE action_id = ? AND (status_changed_at IS NULL OR status_changed_at <= ?::timestamptz)",
                            c.getStatus().name().toLowerCase(Locale.ROOT),
                            StorableText.of(c.getChangedBy()),
                            time(c.getOccurredAt()),
                            c.getActionId(),
                            time(c.getOccurredAt())));
                }
                case GmailConnected c ->
                    queries.add(tx.query(
                            "INSERT INTO dashboard_mailboxes (user_id, workspace_id) VALUES (?, ?) "
                                    + "ON CONFLICT (user_id) DO UPDATE SET workspace_id = EXCLUDED.workspace_id",
                            StorableText.of(c.getUserId()),
                            StorableText.of(c.getWorkspaceId())));
                case EmailReceived mail -> received(tx, queries, conversations, mail);
                case DraftCreated d -> {
                    if (d.getDegraded()) {
                        mailFact(
                                tx,
                                queries,
                                d.getUserId(),
                                d.getGmailMessageId(),
                                d.getOccurredAt(),
                                "degraded",
                                d.getDegradedReason() == null ? "" : d.getDegradedReason(),
                                1);
                    }
                    if (d.getUsage() != null) {
                        String model = d.getModel() == null ? "unknown" : d.getModel();
                        mailFact(
                                tx,
                                queries,
                                d.getUserId(),
                                d.getGmailMessageId(),
                                d.getOccurredAt(),
                                "input_tokens",
                                model,
                                d.getUsage().getInputTokens());
                        mailFact(
                                tx,
                                queries,
                                d.getUserId(),
                                d.getGmailMessageId(),
                                d.getOccurredAt(),
                                "output_tokens",
                                model,
                                d.getUsage().getOutputTokens());
                    }
                }
                case AutopilotDecided d
                when d.getDecision() != AutopilotDecision.ESCALATE ->
                    mailFact(
                            tx,
                            queries,
                            d.getUserId(),
                            d.getGmailMessageId(),
                            d.getOccurredAt(),
                            "autopilot",
                            reason(d));
                case AutopilotDecided d -> {
                    mailFact(
                            tx,
                            queries,
                            d.getUserId(),
                            d.getGmailMessageId(),
                            d.getOccurredAt(),
                            "autopilot",
                            reason(d));
                    // a person is needed (quiet hours, say): the thread waits for staff until answered
                    queries.add(tx.query(
                            "UPDATE dashboard_conversations SET escalated = TRUE WHERE conversation_id = ("
                                    + MAIL_THREAD + ")",
                            StorableText.of(d.getUserId()),
                            StorableText.of(d.getUserId()),
                            StorableText.of(d.getGmailMessageId())));
                    conversations.add(mailThreadKey(d.getUserId(), d.getGmailMessageId()));
                }
                case EmailSent sent
                when sent.getThreadId() != null -> {
                    String id = email(sent.getUserId(), sent.getThreadId());
                    // a reply in a thread the inbox knows: it is answered, by a person or by autopilot
                    queries.add(tx.query(
                            "UPDATE dashboard_conversations SET answered = TRUE, messages = messages + 1, "
                                    + "last_message = CASE WHEN last_message_at IS NULL OR last_message_at <= ?::timestamptz THEN ? ELSE last_message END, "
                                    + "last_from = CASE WHEN last_message_at IS NULL OR last_message_at <= ?::timestamptz THEN ? ELSE last_from END, "
                                    + "last_message_at = GREATEST(last_message_at, ?::timestamptz), last_at = GREATEST(last_at, ?::timestamptz) "
                                    + "WHERE conversation_id = ?",
                            time(sent.getOccurredAt()),
                            shorten(sent.getSubject()),
                            time(sent.getOccurredAt()),
                            sent.getOrigin() == SendOrigin.USER ? "staff" : "assistant",
                            time(sent.getOccurredAt()),
                            time(sent.getOccurredAt()),
                            id));
                    conversations.add(id);
                    fact(tx, queries, id, sent.getOccurredAt(), "messages", "", 1);
                    replied(tx, queries, sent.getEventId(), id, sent.getOccurredAt());
                }
                case AbuseFlagged flag
                when flag.getDecision() != Decision.ALLOW && flag.getSource() != EventSource.CHAT ->
                    flagged(tx, queries, conversations, flag);
                default -> {
                    // the rest (deltas, responses, tool calls, drafts, failures) changes no dashboard
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
        notifyChanged(tx, conversations, items);
    }

    private static void requested(
            DSLContext tx, List<Query> queries, Set<String> conversations, Set<UUID> items, ActionRequested a) {
        String conversation = switch (a.getSource()) {
            case CHAT -> a.getSourceId() == null ? null : "chat:" + a.getSourceId();
            case VOICE -> a.getSourceId() == null ? null : "voice:" + a.getSourceId();
            default -> null;
        };
        JsonNode payload = payload(a.getPayloadJson());
        JsonNode details = payload.path("details");
        String name = text(details, "caller_name");
        String callback = text(details, "callback_number");
        if (callback == null) {
            callback = text(details, "contact");
        }
        String summary = a.getKind().equals(CALL_SUMMARY)
                ? text(payload, "summary")
                : firstOf(text(details, "message"), text(details, "service"), text(details, "reason"));
        queries.add(tx.query(
                "INSERT INTO dashboard_secretary_items (action_id, workspace_id, user_id, kind, source, conversation_id, "
                        + "contact_name, callback_number, summary, requested_at, delivery, status) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 'new') ON CONFLICT (action_id) DO NOTHING",
                a.getActionId(),
                StorableText.of(a.getWorkspaceId()),
                StorableText.of(a.getUserId()),
                StorableText.of(a.getKind()),
                a.getSource().name(),
                conversation,
                StorableText.of(shorten(name)),
                StorableText.of(shorten(callback)),
                StorableText.of(shorten(summary)),
                time(a.getOccurredAt())));
        items.add(a.getActionId());
        if (!a.getKind().equals(CALL_SUMMARY) && callback != null) {
            lead(
                    tx,
                    queries,
                    "?",
                    a.getWorkspaceId() == null ? "" : StorableText.of(a.getWorkspaceId()),
                    callback,
                    name,
                    a.getOccurredAt(),
                    conversation,
                    a.getIntegration().equals("bookings") ? "bookings" : "requests");
        }
        if (conversation != null) {
            touch(
                    tx,
                    queries,
                    conversations,
                    Touch.of(conversation, a.getSource() == EventSource.CHAT ? "chat" : "voice", a.getOccurredAt())
                            .workspace(a.getWorkspaceId()));
        }
    }

    private static void received(DSLContext tx, List<Query> queries, Set<String> conversations, EmailReceived mail) {
        String user = StorableText.of(mail.getUserId());
        queries.add(tx.query(
                "INSERT INTO dashboard_mails (user_id, gmail_message_id, thread_id) VALUES (?, ?, ?) "
                        + "ON CONFLICT DO NOTHING",
                user,
                StorableText.of(mail.getGmailMessageId()),
                StorableText.of(mail.getThreadId())));
        String id = email(mail.getUserId(), mail.getThreadId());
        Instant at = mail.getReceivedAt() != null ? mail.getReceivedAt() : mail.getOccurredAt();
        String text = mail.getSubject()
                + (mail.getSnippet() == null || mail.getSnippet().isBlank() ? "" : ": " + mail.getSnippet());
        Touch touch = Touch.of(id, "email", at).started(null).said(mail.getFrom(), text, "customer");
        queries.add(upsert(tx, touch, "(SELECT workspace_id FROM dashboard_mailboxes WHERE user_id = ?)", user));
        conversations.add(id);
        fact(tx, queries, id, at, "messages", "", 1);
        campaign(tx, queries, id, campaignOf(mail));
        if (!AutomaticMail.is(mail)) {
            lead(
                    tx,
                    queries,
                    "COALESCE((SELECT workspace_id FROM dashboard_mailboxes WHERE user_id = ?), '')",
                    user,
                    mail.getReplyTo() != null ? mail.getReplyTo() : mail.getFrom(),
                    null,
                    at,
                    id,
                    "mails");
        }
    }

    private static void flagged(DSLContext tx, List<Query> queries, Set<String> conversations, AbuseFlagged flag) {
        if (flag.getSource() == EventSource.VOICE) {
            // the call's id is the flag's session: counted even if the call's start is read later
            String id = "voice:" + flag.getSessionId();
            touch(
                    tx,
                    queries,
                    conversations,
                    Touch.of(id, "voice", flag.getOccurredAt()).verdict(flag.getDecision()));
            flags(tx, queries, id, flag.getOccurredAt(), flag.getReasons());
        } else if (flag.getSource() == EventSource.EMAIL && flag.getMessageId() != null) {
            // the mailbox's user is the flag's session; the thread is the flagged mail's
            String flagged = flag.getDecision() == Decision.FLAG ? "flagged = flagged + 1" : "blocked = blocked + 1";
            queries.add(tx.query(
                    "UPDATE dashboard_conversations SET " + flagged + " WHERE conversation_id = (" + MAIL_THREAD + ")",
                    StorableText.of(flag.getSessionId()),
                    StorableText.of(flag.getSessionId()),
                    StorableText.of(flag.getMessageId())));
            conversations.add(mailThreadKey(flag.getSessionId(), flag.getMessageId()));
            List<String> categories = flag.getReasons().isEmpty()
                    ? List.of(UNSPECIFIED)
                    : flag.getReasons().stream()
                            .map(r -> r.getCategory().name())
                            .toList();
            for (String category : categories) {
                mailFact(tx, queries, flag.getSessionId(), flag.getMessageId(), flag.getOccurredAt(), "flag", category);
            }
        }
    }

    /** The conversation id of a mail's thread, from the mail's user (twice) and Gmail message id. */
    private static final String MAIL_THREAD = "SELECT 'email:' || ? || '/' || thread_id FROM dashboard_mails "
            + "WHERE user_id = ? AND gmail_message_id = ?";

    /** A marker for a mail whose thread is looked up in the database: its workspace is notified too. */
    private static String mailThreadKey(String user, String gmailMessageId) {
        return "mail:" + user + "/" + gmailMessageId;
    }

    /** Who has a chat now: {@code staffId}, or nobody (the assistant) once handed back; in the session's order. */
    private static void takeover(
            DSLContext tx,
            List<Query> queries,
            Set<String> conversations,
            UUID session,
            String workspaceId,
            Instant at,
            String staffId) {
        String id = chat(session);
        touch(tx, queries, conversations, Touch.of(id, "chat", at).workspace(workspaceId));
        queries.add(tx.query(
                "UPDATE dashboard_conversations SET taken_over_by = ? WHERE conversation_id = ?", staffId, id));
    }

    private static void touch(DSLContext tx, List<Query> queries, Set<String> conversations, Touch touch) {
        queries.add(upsert(tx, touch, "?", StorableText.of(touch.workspaceId)));
        conversations.add(touch.conversationId);
    }

    /**
     * Adds {@code touch} to its conversation: counts add up, flags stay set, the contact, workspace and start
     * are the first known, and the last message is the latest by its time (events of different topics
     * arrive in no set order).
     */
    private static Query upsert(DSLContext tx, Touch t, String workspaceSql, Object workspaceBind) {
        OffsetDateTime messageAt = t.message == null ? null : time(t.at);
        return tx.query(
                "INSERT INTO dashboard_conversations AS c (conversation_id, workspace_id, channel, contact, started_at, "
                        + "last_at, last_message, last_message_at, last_from, messages, flagged, blocked, ended, "
                        + "first_customer_at) VALUES (?, " + workspaceSql
                        + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (conversation_id) DO UPDATE SET "
                        + "workspace_id = COALESCE(c.workspace_id, EXCLUDED.workspace_id), "
                        + "contact = COALESCE(c.contact, EXCLUDED.contact), "
                        + "started_at = LEAST(c.started_at, EXCLUDED.started_at), "
                        + "last_at = GREATEST(c.last_at, EXCLUDED.last_at), "
                        + "last_message = CASE WHEN EXCLUDED.last_message_at IS NOT NULL AND (c.last_message_at IS NULL "
                        + "OR EXCLUDED.last_message_at >= c.last_message_at) THEN EXCLUDED.last_message ELSE c.last_message END, "
                        + "last_from = CASE WHEN EXCLUDED.last_message_at IS NOT NULL AND (c.last_message_at IS NULL "
                        + "OR EXCLUDED.last_message_at >= c.last_message_at) THEN EXCLUDED.last_from ELSE c.last_from END, "
                        + "last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at), "
                        + "messages = c.messages + EXCLUDED.messages, flagged = c.flagged + EXCLUDED.flagged, "
                        + "blocked = c.blocked + EXCLUDED.blocked, ended = c.ended OR EXCLUDED.ended, "
                        + "first_customer_at = LEAST(c.first_customer_at, EXCLUDED.first_customer_at)",
                t.conversationId,
                workspaceBind,
                t.channel,
                StorableText.of(t.contact),
                t.startedAt == null ? null : time(t.startedAt),
                time(t.at),
                StorableText.of(t.message),
                messageAt,
                t.from,
                t.messages,
                t.flagged,
                t.blocked,
                t.ended,
                "customer".equals(t.from) ? time(t.at) : null);
    }

    /** A risk category for a flag that gives none. */
    private static final String UNSPECIFIED = "UNSPECIFIED";

    /** Adds {@code n} to a conversation's {@code figure} (under {@code label}) on the day of {@code at}. */
    private static void fact(
            DSLContext tx,
            List<Query> queries,
            String conversationId,
            Instant at,
            String figure,
            String label,
            long n) {
        queries.add(tx.query(
                "INSERT INTO dashboard_facts (conversation_id, day, figure, label, n) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT (conversation_id, day, figure, label) DO UPDATE SET n = dashboard_facts.n + EXCLUDED.n",
                conversationId,
                day(at),
                figure,
                StorableText.of(shorten(label)),
                n));
    }

    /** As {@link #fact} (one), for the thread of {@code user}'s mail {@code gmailMessageId}, once it is known. */
    private static void mailFact(
            DSLContext tx,
            List<Query> queries,
            String user,
            String gmailMessageId,
            Instant at,
            String figure,
            String label) {
        mailFact(tx, queries, user, gmailMessageId, at, figure, label, 1);
    }

    private static void mailFact(
            DSLContext tx,
            List<Query> queries,
            String user,
            String gmailMessageId,
            Instant at,
            String figure,
            String label,
            long n) {
        queries.add(tx.query(
                "INSERT INTO dashboard_facts (conversation_id, day, figure, label, n) "
                        + "SELECT 'email:' || ? || '/' || thread_id, ?, ?, ?, ?::bigint FROM dashboard_mails "
                        + "WHERE user_id = ? AND gmail_message_id = ? "
                        + "ON CONFLICT (conversation_id, day, figure, label) DO UPDATE SET n = dashboard_facts.n + EXCLUDED.n",
                StorableText.of(user),
                day(at),
                figure,
                StorableText.of(shorten(label)),
                n,
                StorableText.of(user),
                StorableText.of(gmailMessageId)));
    }

    /** A reply in a conversation at {@code at}, for the time to first reply, and counted as one. */
    private static void replied(DSLContext tx, List<Query> queries, UUID eventId, String conversationId, Instant at) {
        queries.add(tx.query(
                "INSERT INTO dashboard_replies (event_id, conversation_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                eventId,
                conversationId,
                time(at)));
        fact(tx, queries, conversationId, at, "replies", "", 1);
    }

    private static void tokens(
            DSLContext tx, List<Query> queries, String conversationId, Instant at, String model, TokenUsage usage) {
        if (usage != null) {
            fact(tx, queries, conversationId, at, "input_tokens", model, usage.getInputTokens());
            fact(tx, queries, conversationId, at, "output_tokens", model, usage.getOutputTokens());
        }
    }

    private static void flags(
            DSLContext tx, List<Query> queries, String conversationId, Instant at, List<VerdictReason> reasons) {
        if (reasons.isEmpty()) {
            fact(tx, queries, conversationId, at, "flag", UNSPECIFIED, 1);
        }
        for (VerdictReason reason : reasons) {
            fact(tx, queries, conversationId, at, "flag", reason.getCategory().name(), 1);
        }
    }

    private static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }

    /** Sets a conversation's campaign, unless it has one. */
    private static void campaign(DSLContext tx, List<Query> queries, String conversationId, String campaign) {
        if (campaign != null && !campaign.isBlank()) {
            queries.add(tx.query(
                    "UPDATE dashboard_conversations SET campaign = COALESCE(campaign, ?) WHERE conversation_id = ?",
                    StorableText.of(shorten(campaign.strip().toLowerCase(Locale.ROOT))),
                    conversationId));
        }
    }

    private static final java.util.regex.Pattern CAMPAIGN_LABEL =
            java.util.regex.Pattern.compile("(?i)campaign[/:](.+)");
    private static final java.util.regex.Pattern PLUS_TAG =
            java.util.regex.Pattern.compile("[^\\s<@+]+\\+([^\\s<@]+)@");

    /** A mail's campaign: a Gmail label {@code campaign/<name>}, or the plus-tag of the address it went to. */
    static String campaignOf(EmailReceived mail) {
        for (String label : mail.getLabelIds()) {
            var m = CAMPAIGN_LABEL.matcher(label);
            if (m.matches()) {
                return m.group(1);
            }
        }
        for (String to : mail.getTo()) {
            var m = PLUS_TAG.matcher(to);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /**
     * Counts a lead for {@code contact} (an address, or a phone number) in the workspace {@code workspaceSql}
     * names: one per contact and workspace, named by the first name given, its source the conversation it
     * was first seen in.
     */
    private static void lead(
            DSLContext tx,
            List<Query> queries,
            String workspaceSql,
            Object workspaceBind,
            String contact,
            String name,
            Instant at,
            String conversationId,
            String counted) {
        String key = contactKey(contact);
        if (key == null) {
            return;
        }
        queries.add(tx.query(
                "INSERT INTO dashboard_leads AS l (workspace_key, contact_key, contact, name, first_seen_at, last_seen_at, "
                        + "source_conversation_id, requests, bookings, mails) VALUES (" + workspaceSql
                        + ", ?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?) "
                        + "ON CONFLICT (workspace_key, contact_key) DO UPDATE SET name = COALESCE(l.name, EXCLUDED.name), "
                        + "source_conversation_id = CASE WHEN EXCLUDED.first_seen_at < l.first_seen_at "
                        + "THEN EXCLUDED.source_conversation_id ELSE l.source_conversation_id END, "
                        + "first_seen_at = LEAST(l.first_seen_at, EXCLUDED.first_seen_at), "
                        + "last_seen_at = GREATEST(l.last_seen_at, EXCLUDED.last_seen_at), "
                        + "requests = l.requests + EXCLUDED.requests, bookings = l.bookings + EXCLUDED.bookings, "
                        + "mails = l.mails + EXCLUDED.mails",
                workspaceBind,
                key,
                StorableText.of(shorten(contact)),
                StorableText.of(shorten(name)),
                time(at),
                time(at),
                conversationId,
                counted.equals("requests") ? 1 : 0,
                counted.equals("bookings") ? 1 : 0,
                counted.equals("mails") ? 1 : 0));
    }

    private static final java.util.regex.Pattern ADDRESS =
            java.util.regex.Pattern.compile("[^\\s<>\"]+@[^\\s<>\"]+\\.[^\\s<>\"]+");

    /** A contact's key: its email address in lower case, or its phone number's digits; null for neither. */
    static String contactKey(String contact) {
        if (contact == null) {
            return null;
        }
        var address = ADDRESS.matcher(contact);
        if (address.find()) {
            return address.group().toLowerCase(Locale.ROOT);
        }
        String digits = contact.replaceAll("[^0-9]", "");
        if (digits.length() < 6) {
            return null;
        }
        return (contact.strip().startsWith("+") ? "+" : "") + digits;
    }

    private static String reason(AutopilotDecided d) {
        String decision = d.getDecision().name().toLowerCase(Locale.ROOT);
        return d.getReasons().isEmpty()
                ? decision
                : decision + ": " + d.getReasons().getFirst();
    }

    /** The batch's event ids not counted before, recorded as counted in this transaction. */
    private static Set<UUID> firstSeen(DSLContext tx, List<ProjectedEvent> batch) {
        List<UUID> ids = new ArrayList<>(batch.size());
        for (ProjectedEvent e : batch) {
            if (e.event().get("eventId") instanceof UUID id) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            return new HashSet<>();
        }
        return new HashSet<>(tx.fetch(
                        "INSERT INTO dashboard_events_seen (event_id) SELECT DISTINCT unnest(?::uuid[]) "
                                + "ON CONFLICT DO NOTHING RETURNING event_id",
                        (Object) ids.toArray(UUID[]::new))
                .getValues(0, UUID.class));
    }

    /** Tells listeners which workspaces' dashboards the batch changed (delivered when it commits). */
    private static void notifyChanged(DSLContext tx, Set<String> conversations, Set<UUID> items) {
        if (conversations.isEmpty() && items.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        List<String> mails = new ArrayList<>();
        for (String c : conversations) {
            (c.startsWith("mail:") ? mails : ids).add(c);
        }
        tx.fetch(
                "SELECT pg_notify('" + CHANNEL + "', w) FROM ("
                        + "SELECT DISTINCT COALESCE(workspace_id, '') AS w FROM dashboard_conversations WHERE conversation_id = ANY(?) "
                        + "UNION SELECT COALESCE(m.workspace_id, '') FROM dashboard_mailboxes m WHERE m.user_id = ANY(?) "
                        + "UNION SELECT COALESCE(workspace_id, '') FROM dashboard_secretary_items WHERE action_id = ANY(?)) changed",
                ids.toArray(String[]::new),
                mails.stream()
                        .map(m -> m.substring("mail:".length(), m.lastIndexOf('/')))
                        .toArray(String[]::new),
                items.toArray(UUID[]::new));
    }

    static String chat(UUID session) {
        return "chat:" + session;
    }

    static String voice(UUID call) {
        return "voice:" + call;
    }

    static String email(String user, String thread) {
        return "email:" + user + "/" + thread;
    }

    private static OffsetDateTime time(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }

    static String shorten(String text) {
        if (text == null) {
            return null;
        }
        String line = text.strip();
        return line.length() <= LONGEST_MESSAGE ? line : line.substring(0, LONGEST_MESSAGE - 1) + "…";
    }

    private static JsonNode payload(String json) {
        try {
            return JSON.readTree(json == null ? "{}" : json);
        } catch (RuntimeException unreadable) {
            return JSON.createObjectNode();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isString() && !value.asString().isBlank() ? value.asString() : null;
    }

    private static String firstOf(String... texts) {
        for (String t : texts) {
            if (t != null) {
                return t;
            }
        }
        return null;
    }
}
