package app.donna.projections.dashboards;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.events.actions.ActionStatus;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.SendOrigin;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.AutopilotDecision;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.GmailConnected;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Instant;
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
 * {@code dashboard_secretary_items}, and the lookups {@code dashboard_mailboxes}, {@code dashboard_mails}.
 */
public final class DashboardProjection implements Projection {

    /** The notification channel; the payload is a workspace id ({@code ""}: the default workspace). */
    public static final String CHANNEL = "donna_dashboards";

    /** The kind of a call's recap: a secretary item, but no request the conversation waits on. */
    public static final String CALL_SUMMARY = "secretary.call_summary";

    static final int LONGEST_MESSAGE = 500;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One conversation touched by one event: what it adds, and what it says if it is the latest. */
    private record Touch(
            String conversationId,
            String workspaceId,
            String channel,
            String contact,
            Instant startedAt,
            Instant at,
            String message,
            String from,
            int messages,
            int flagged,
            int blocked,
            boolean ended,
            boolean answered,
            boolean escalated) {

        static Touch of(String conversationId, String channel, Instant at) {
            return new Touch(conversationId, null, channel, null, null, at, null, null, 0, 0, 0, false, false, false);
        }

        Touch workspace(String id) {
            return new Touch(
                    conversationId,
                    id,
                    channel,
                    contact,
                    startedAt,
                    at,
                    message,
                    from,
                    messages,
                    flagged,
                    blocked,
                    ended,
                    answered,
                    escalated);
        }

        Touch started(String who) {
            return new Touch(
                    conversationId,
                    workspaceId,
                    channel,
                    who,
                    at,
                    at,
                    message,
                    from,
                    messages,
                    flagged,
                    blocked,
                    ended,
                    answered,
                    escalated);
        }

        Touch said(String who, String text, String by) {
            return new Touch(
                    conversationId,
                    workspaceId,
                    channel,
                    who,
                    startedAt,
                    at,
                    shorten(text),
                    by,
                    messages + 1,
                    flagged,
                    blocked,
                    ended,
                    answered,
                    escalated);
        }

        Touch verdict(Decision decision) {
            return new Touch(
                    conversationId,
                    workspaceId,
                    channel,
                    contact,
                    startedAt,
                    at,
                    message,
                    from,
                    messages,
                    flagged + (decision == Decision.FLAG ? 1 : 0),
                    blocked + (decision == Decision.BLOCK ? 1 : 0),
                    ended,
                    answered,
                    escalated);
        }

        Touch end() {
            return new Touch(
                    conversationId,
                    workspaceId,
                    channel,
                    contact,
                    startedAt,
                    at,
                    message,
                    from,
                    messages,
                    flagged,
                    blocked,
                    true,
                    answered,
                    escalated);
        }
    }

    @Override
    public String name() {
        return "dashboards";
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
                case ChatSessionStarted s ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(chat(s.getSessionId()), "chat", s.getOccurredAt())
                                    .workspace(s.getWorkspaceId())
                                    .started(s.getUserId()));
                case ChatMessageScreened m ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(chat(m.getSessionId()), "chat", m.getOccurredAt())
                                    .workspace(m.getWorkspaceId())
                                    .said(m.getUserId(), m.getText(), "customer")
                                    .verdict(m.getVerdict().getDecision()));
                case ChatReplyProduced r ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(chat(r.getSessionId()), "chat", r.getOccurredAt())
                                    .said(null, r.getText(), "assistant"));
                case VoiceSessionStarted s ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(voice(s.getVoiceSessionId()), "voice", s.getOccurredAt())
                                    .workspace(s.getWorkspaceId())
                                    .started(s.getUserId()));
                case VoiceTranscript t
                when t.getIsFinal() ->
                    touch(
                            tx,
                            queries,
                            conversations,
                            Touch.of(voice(t.getVoiceSessionId()), "voice", t.getOccurredAt())
                                    .said(
                                            null,
                                            t.getText(),
                                            t.getRole() == SpeakerRole.USER ? "customer" : "assistant"));
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
                                    + "WHERE action_id = ? AND (status_changed_at IS NULL OR status_changed_at <= ?)",
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
                case AutopilotDecided d
                when d.getDecision() == AutopilotDecision.ESCALATE -> {
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
                                    + "last_message = CASE WHEN last_message_at IS NULL OR last_message_at <= ? THEN ? ELSE last_message END, "
                                    + "last_from = CASE WHEN last_message_at IS NULL OR last_message_at <= ? THEN ? ELSE last_from END, "
                                    + "last_message_at = GREATEST(last_message_at, ?), last_at = GREATEST(last_at, ?) "
                                    + "WHERE conversation_id = ?",
                            time(sent.getOccurredAt()),
                            shorten(sent.getSubject()),
                            time(sent.getOccurredAt()),
                            sent.getOrigin() == SendOrigin.USER ? "staff" : "assistant",
                            time(sent.getOccurredAt()),
                            time(sent.getOccurredAt()),
                            id));
                    conversations.add(id);
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
    }

    private static void flagged(DSLContext tx, List<Query> queries, Set<String> conversations, AbuseFlagged flag) {
        String flagged = flag.getDecision() == Decision.FLAG ? "flagged = flagged + 1" : "blocked = blocked + 1";
        if (flag.getSource() == EventSource.VOICE) {
            String id = "voice:" + flag.getSessionId();
            queries.add(tx.query("UPDATE dashboard_conversations SET " + flagged + " WHERE conversation_id = ?", id));
            conversations.add(id);
        } else if (flag.getSource() == EventSource.EMAIL && flag.getMessageId() != null) {
            // the mailbox's user is the flag's session; the thread is the flagged mail's
            queries.add(tx.query(
                    "UPDATE dashboard_conversations SET " + flagged + " WHERE conversation_id = (" + MAIL_THREAD + ")",
                    StorableText.of(flag.getSessionId()),
                    StorableText.of(flag.getSessionId()),
                    StorableText.of(flag.getMessageId())));
            conversations.add(mailThreadKey(flag.getSessionId(), flag.getMessageId()));
        }
    }

    /** The conversation id of a mail's thread, from the mail's user (twice) and Gmail message id. */
    private static final String MAIL_THREAD = "SELECT 'email:' || ? || '/' || thread_id FROM dashboard_mails "
            + "WHERE user_id = ? AND gmail_message_id = ?";

    /** A marker for a mail whose thread is looked up in the database: its workspace is notified too. */
    private static String mailThreadKey(String user, String gmailMessageId) {
        return "mail:" + user + "/" + gmailMessageId;
    }

    private static void touch(DSLContext tx, List<Query> queries, Set<String> conversations, Touch touch) {
        queries.add(upsert(tx, touch, "?", StorableText.of(touch.workspaceId())));
        conversations.add(touch.conversationId());
    }

    /**
     * Adds {@code touch} to its conversation: counts add up, flags stay set, the contact, workspace and start
     * are the first known, and the last message is the latest by its time (events of different topics
     * arrive in no set order).
     */
    private static Query upsert(DSLContext tx, Touch t, String workspaceSql, Object workspaceBind) {
        OffsetDateTime messageAt = t.message() == null ? null : time(t.at());
        return tx.query(
                "INSERT INTO dashboard_conversations AS c (conversation_id, workspace_id, channel, contact, started_at, "
                        + "last_at, last_message, last_message_at, last_from, messages, flagged, blocked, ended, answered, "
                        + "escalated) VALUES (?, " + workspaceSql + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
                        + "answered = c.answered OR EXCLUDED.answered, escalated = c.escalated OR EXCLUDED.escalated",
                t.conversationId(),
                workspaceBind,
                t.channel(),
                StorableText.of(t.contact()),
                t.startedAt() == null ? null : time(t.startedAt()),
                time(t.at()),
                StorableText.of(t.message()),
                messageAt,
                t.from(),
                t.messages(),
                t.flagged(),
                t.blocked(),
                t.ended(),
                t.answered(),
                t.escalated());
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
