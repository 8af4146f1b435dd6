package app.donna.schemas;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.chat.ChatStaffReplied;
import app.donna.events.chat.ChatTakenOver;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.DraftCreated;
import app.donna.events.email.DraftReplyRequested;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnectRequested;
import app.donna.events.email.GmailDisconnected;
import app.donna.events.email.MailboxSyncRequested;
import app.donna.events.email.SendEmailRequested;
import app.donna.events.ops.AuditChainAnchored;
import app.donna.events.ops.DeadLettersRedriven;
import app.donna.events.settings.AutopilotSettings;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceToolCalled;
import app.donna.events.voice.VoiceTranscript;
import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.schemas.Topic.CleanupPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The topic catalog: every topic Donna uses, declared once. Services create these at start-up and refer
 * to them by constant; {@code docs/topics.md} is checked against this list by a test.
 */
public final class Topics {

    private static final Optional<Duration> FOREVER = Optional.empty();

    /**
     * A visitor's or user's chat message as submitted, before screening: raw input, which may hold a card
     * number or a credential, so it is kept for a bounded time (7 days by default; the platform's
     * {@code donna.kafka.chat-inbound-retention}); the redacted, screened copy is kept forever. Keyed by user
     * (a session belongs to one user, so its order holds) so abuse-detector needs no repartition.
     */
    public static final Topic<SpecificRecordBase> CHAT_INBOUND = Topic.ofSeveral(
            "donna.chat.inbound",
            "user id",
            "userId",
            List.of(
                    ChatSessionStarted.class,
                    ChatMessageSubmitted.class,
                    ChatTakenOver.class,
                    ChatStaffReplied.class,
                    ChatHandedBack.class),
            6,
            Optional.of(Duration.ofDays(7)),
            CleanupPolicy.DELETE,
            "ingress-api");

    /** Each chat message with its abuse verdict, and the session starts passed on in order. */
    public static final Topic<SpecificRecordBase> CHAT_SCREENED = Topic.ofSeveral(
            "donna.chat.screened",
            "session id",
            "sessionId",
            List.of(
                    ChatSessionStarted.class,
                    ChatMessageScreened.class,
                    ChatTakenOver.class,
                    ChatStaffReplied.class,
                    ChatHandedBack.class),
            6,
            FOREVER,
            CleanupPolicy.DELETE,
            "abuse-detector");

    /**
     * The assistant's replies, each whole, written exactly once, kept forever. Earlier versions wrote the
     * streamed fragments and slow-reply notices here too: those records are still read, and new ones go to
     * {@link #CHAT_REPLY_FRAGMENTS}.
     */
    public static final Topic<SpecificRecordBase> CHAT_REPLIES = Topic.ofSeveral(
                    "donna.chat.replies",
                    "session id",
                    "sessionId",
                    List.of(ChatReplyProduced.class),
                    6,
                    FOREVER,
                    CleanupPolicy.DELETE,
                    "chat-processor")
            .formerlyCarrying(List.of(ChatReplyDelta.class, ChatReplyDelayed.class));

    /**
     * What a browser shows while a reply is being written: its streamed fragments, and a notice when the
     * model is slow to start. Ephemeral (the final reply on {@link #CHAT_REPLIES} holds the whole text and a
     * lost fragment is harmless), so kept one day: long enough for a stream to resume, never an archive of
     * every reply twice over. Partitioned like {@link #CHAT_REPLIES}.
     */
    public static final Topic<SpecificRecordBase> CHAT_REPLY_FRAGMENTS = Topic.ofSeveral(
            "donna.chat.reply-fragments",
            "session id",
            "sessionId",
            List.of(ChatReplyDelta.class, ChatReplyDelayed.class),
            6,
            Optional.of(Duration.ofDays(1)),
            CleanupPolicy.DELETE,
            "chat-processor");

    /** Flagged and blocked content with redacted evidence. */
    public static final Topic<AbuseFlagged> ABUSE_FLAGS = Topic.of(
            "donna.abuse.flags",
            "user id (mail: email:address)",
            "userId",
            AbuseFlagged.class,
            3,
            FOREVER,
            CleanupPolicy.DELETE,
            "abuse-detector");

    /** Realtime voice sessions: start, transcripts, responses, tool calls, end. */
    public static final Topic<SpecificRecordBase> VOICE_EVENTS = Topic.ofSeveral(
            "donna.voice.events",
            "voice session id",
            "voiceSessionId",
            List.of(
                    VoiceSessionStarted.class,
                    VoiceTranscript.class,
                    VoiceResponseCompleted.class,
                    VoiceToolCalled.class,
                    VoiceSessionEnded.class),
            6,
            FOREVER,
            CleanupPolicy.DELETE,
            "voice-relay");

    /** Business actions requested by conversations and their delivery to integrations. */
    public static final Topic<SpecificRecordBase> ACTIONS = Topic.ofSeveral(
            "donna.actions",
            "user id",
            "userId",
            List.of(ActionRequested.class, ActionDelivered.class, ActionFailed.class, ActionStatusChanged.class),
            3,
            FOREVER,
            CleanupPolicy.DELETE,
            "chat-processor");

    /** Commands for the email processor. Commands, not history: kept a week. */
    public static final Topic<SpecificRecordBase> EMAIL_JOBS = Topic.ofSeveral(
            "donna.email.jobs",
            "user id",
            "userId",
            List.of(
                    GmailConnectRequested.class,
                    GmailDisconnectRequested.class,
                    DraftReplyRequested.class,
                    SendEmailRequested.class,
                    MailboxSyncRequested.class),
            3,
            Optional.of(Duration.ofDays(7)),
            CleanupPolicy.DELETE,
            "ingress-api, email-processor (autopilot's drafts and sends)");

    /** What happened in users' mailboxes and what Donna did there. */
    public static final Topic<SpecificRecordBase> EMAIL_EVENTS = Topic.ofSeveral(
            "donna.email.events",
            "user id",
            "userId",
            List.of(
                    GmailConnected.class,
                    GmailDisconnected.class,
                    EmailReceived.class,
                    DraftCreated.class,
                    EmailSent.class,
                    EmailFailed.class,
                    AutopilotDecided.class),
            3,
            FOREVER,
            CleanupPolicy.DELETE,
            "email-processor");

    /** Each user's current autopilot limits; compacted to the latest per user. */
    public static final Topic<AutopilotSettings> AUTOPILOT_SETTINGS = Topic.of(
            "donna.settings.autopilot",
            "user id",
            "userId",
            AutopilotSettings.class,
            3,
            FOREVER,
            CleanupPolicy.COMPACT,
            "ingress-api");

    /**
     * The workspaces, their members and their personas. Compacted, so each key is one fact whose latest
     * record is in force: {@code <workspace>} its creation, {@code <workspace>/persona} its persona,
     * {@code <workspace>/members/<user>} one membership (ADR 11). Every service that speaks for a business
     * reads it whole at start-up.
     */
    public static final Topic<SpecificRecordBase> WORKSPACE = Topic.ofSeveral(
            "donna.workspace",
            "workspace id, /persona, /members/<user id>, /budget/<day>[/<subject>]",
            "workspaceId",
            List.of(
                    WorkspaceCreated.class,
                    WorkspaceMemberChanged.class,
                    WorkspacePersonaSet.class,
                    TokenBudgetSpent.class),
            3,
            FOREVER,
            CleanupPolicy.COMPACT,
            "ingress-api");

    /**
     * The key of a spent token budget on {@link #WORKSPACE}: the workspace's for {@code day}, or one
     * visitor's ({@code subject} not null).
     */
    public static String budgetKey(String workspaceId, java.time.LocalDate day, String subject) {
        return workspaceId + "/budget/" + day + (subject == null ? "" : "/" + subject);
    }

    /** The key of a workspace's persona on {@link #WORKSPACE}. */
    public static String personaKey(String workspaceId) {
        return workspaceId + "/persona";
    }

    /** The key of one membership on {@link #WORKSPACE}. */
    public static String memberKey(String workspaceId, String userId) {
        return workspaceId + "/members/" + userId;
    }

    /** Every topic of the catalog, in the order the docs list them. */
    /**
     * What operators and the platform did to the system itself, kept forever and in one order: dead letters
     * redriven ({@code donna dlt redrive}: who, when, how many, why) and the audit chain's anchors (its head
     * hash, so a rewritten chain is found out). Keyed by what each is about.
     */
    public static final Topic<SpecificRecordBase> OPS_AUDIT = Topic.ofSeveral(
            "donna.ops.audit",
            "source topic, or audit_log",
            "subject",
            List.of(DeadLettersRedriven.class, AuditChainAnchored.class),
            1,
            FOREVER,
            CleanupPolicy.DELETE,
            "cli");

    public static final List<Topic<?>> ALL = List.of(
            CHAT_INBOUND,
            CHAT_SCREENED,
            CHAT_REPLIES,
            CHAT_REPLY_FRAGMENTS,
            ABUSE_FLAGS,
            VOICE_EVENTS,
            ACTIONS,
            EMAIL_JOBS,
            EMAIL_EVENTS,
            AUTOPILOT_SETTINGS,
            WORKSPACE,
            OPS_AUDIT);

    private Topics() {}

    /** The catalog entry named {@code name}, including a dead-letter topic's source topic. */
    public static Optional<Topic<?>> byName(String name) {
        String source = name.endsWith(Topic.DEAD_LETTER_SUFFIX)
                ? name.substring(0, name.length() - Topic.DEAD_LETTER_SUFFIX.length())
                : name;
        return ALL.stream().filter(t -> t.name().equals(source)).findFirst();
    }
}
