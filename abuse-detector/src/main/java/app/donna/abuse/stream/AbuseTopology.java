package app.donna.abuse.stream;

import app.donna.abuse.screening.Screening;
import app.donna.abuse.screening.Verdict;
import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.chat.ChatStaffReplied;
import app.donna.events.chat.ChatTakenOver;
import app.donna.events.email.EmailReceived;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceTranscript;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The abuse screening topology.
 *
 * <p>Consumes: {@code donna.chat.inbound} (ChatSessionStarted, ChatMessageSubmitted and staff's ChatTakenOver,
 * ChatStaffReplied, ChatHandedBack, by user),
 * {@code donna.voice.events} (VoiceTranscript of the user's side), {@code donna.email.events}
 * (EmailReceived: the subject and preview of mail reaching a connected mailbox). Produces:
 * {@code donna.chat.screened} (every chat message with its verdict, and the session starts and staff's events
 * unchanged, by session), {@code donna.abuse.flags} (FLAG and BLOCK verdicts of chat and voice, by user; of email, by
 * {@code email:<sender address>}, the mailbox's owner as the session, so the autopilot can leave that
 * sender alone).
 * The inbound topic is keyed by user, so one user's messages, and with them their behaviour over time,
 * are judged in one task without a repartition hop, which under exactly-once would add a whole commit
 * interval to every message (ADR 4). Every processor and store is named so state survives redeploys.
 */
public final class AbuseTopology {

    /**
     * Each user's recent messages (text hash, flagged), keyed by user at the message's event time, kept
     * for the behaviour rules' look-back ({@link Screening#lookBack()}); Kafka Streams lets older ones go.
     * It replaced the key-value store {@code user-activity}, whose data an upgrade leaves unused.
     */
    public static final String USER_MESSAGES_STORE = "user-messages";
    /** Message ids screened within {@link #RETRY_WINDOW}: a client's retry of one message is screened once. */
    public static final String RECENT_MESSAGES_STORE = "recent-messages";

    public static final Duration RETRY_WINDOW = Duration.ofHours(1);

    private AbuseTopology() {}

    /** The topology on its own, as {@link #define} puts it on a new builder (for tests). */
    public static Topology build(
            Screening screening,
            String rulesVersion,
            EagerCommits commits,
            RecordTracing tracing,
            VerdictMetrics verdicts) {
        StreamsBuilder builder = new StreamsBuilder();
        define(builder, screening, rulesVersion, commits, tracing, verdicts);
        return builder.build();
    }

    /**
     * Puts the topology on {@code builder}: the service's own, which Spring for Apache Kafka builds and runs.
     *
     * @param commits asks for a commit after each verdict, at most once per commit interval
     * @param tracing continues each message's trace through its screening
     * @param verdicts counts each verdict, chat and voice
     */
    public static void define(
            StreamsBuilder builder,
            Screening screening,
            String rulesVersion,
            EagerCommits commits,
            RecordTracing tracing,
            VerdictMetrics verdicts) {
        // Duplicates retained: every message is an entry of its own, even two of one user in the same ms.
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(USER_MESSAGES_STORE, screening.lookBack(), Duration.ofMillis(1), true),
                Serdes.String(),
                StateSerdes.messageActivity()));
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(RECENT_MESSAGES_STORE, RETRY_WINDOW, Duration.ofMillis(1), false),
                Serdes.String(),
                Serdes.Long()));

        KStream<String, SpecificRecordBase> inbound =
                builder.stream(Topics.CHAT_INBOUND.name(), consumed(Topics.CHAT_INBOUND, "chat-inbound"));

        // Session starts need no screening: passed on so readers of donna.chat.screened see the session. Nor
        // does what staff do in a session (a takeover, a reply, a hand-back): passed on in order with its
        // messages, which share the owner's partition here and the session's there.
        inbound.flatMap(AbuseTopology::passedOnBySession, Named.as("session-start-by-session"))
                .to(Topics.CHAT_SCREENED.name(), produced(Topics.CHAT_SCREENED, "session-starts-to-chat-screened"));

        KStream<String, ChatMessageSubmitted> submitted = inbound.flatMapValues(
                event -> event instanceof ChatMessageSubmitted message ? List.of(message) : List.of(),
                Named.as("only-submitted"));
        KStream<String, SpecificRecordBase> screened = submitted.process(
                () -> new ScreeningProcessor(screening, rulesVersion, commits, tracing, verdicts),
                Named.as("screen-chat"),
                USER_MESSAGES_STORE,
                RECENT_MESSAGES_STORE);

        screened.to(Topics.CHAT_SCREENED.name(), produced(Topics.CHAT_SCREENED, "to-chat-screened"));

        screened.flatMap(AbuseTopology::chatFlag, Named.as("chat-flag"))
                .to(Topics.ABUSE_FLAGS.name(), produced(Topics.ABUSE_FLAGS, "chat-flags-to-abuse-flags"));

        builder.stream(Topics.VOICE_EVENTS.name(), consumed(Topics.VOICE_EVENTS, "voice-events"))
                .flatMap((voiceSession, event) -> voiceFlag(screening, verdicts, event), Named.as("screen-voice"))
                .to(Topics.ABUSE_FLAGS.name(), produced(Topics.ABUSE_FLAGS, "voice-flags-to-abuse-flags"));

        builder.stream(Topics.EMAIL_EVENTS.name(), consumed(Topics.EMAIL_EVENTS, "email-events"))
                .flatMap((user, event) -> emailFlag(screening, verdicts, event), Named.as("screen-email"))
                .to(Topics.ABUSE_FLAGS.name(), produced(Topics.ABUSE_FLAGS, "email-flags-to-abuse-flags"));
    }

    // donna.chat.inbound and donna.chat.screened carry several events, typed by their common supertype
    // (Topic); a pattern picks out the one each step wants, where a cast would only assume it.

    /** Session starts and staff's takeovers, replies and hand-backs, re-keyed by session, unscreened. */
    private static List<KeyValue<String, SpecificRecordBase>> passedOnBySession(String user, SpecificRecordBase event) {
        Object session = switch (event) {
            case ChatSessionStarted start -> start.getSessionId();
            case ChatTakenOver takeover -> takeover.getSessionId();
            case ChatStaffReplied reply -> reply.getSessionId();
            case ChatHandedBack handBack -> handBack.getSessionId();
            default -> null;
        };
        return session == null ? List.of() : List.of(KeyValue.pair(session.toString(), event));
    }

    private static List<KeyValue<String, AbuseFlagged>> chatFlag(String session, SpecificRecordBase event) {
        if (!(event instanceof ChatMessageScreened message)
                || message.getVerdict().getDecision() == app.donna.events.common.Decision.ALLOW) {
            return List.of();
        }
        return List.of(KeyValue.pair(message.getUserId(), Contracts.flag(message)));
    }

    private static List<KeyValue<String, AbuseFlagged>> voiceFlag(
            Screening screening, VerdictMetrics verdicts, SpecificRecordBase event) {
        if (!(event instanceof VoiceTranscript t) || t.getRole() != SpeakerRole.USER || !t.getIsFinal()) {
            return List.of();
        }
        Verdict verdict = screening.screenContent(t.getText());
        verdicts.count("voice", verdict);
        if (verdict.decision() == app.donna.abuse.screening.Decision.ALLOW) {
            return List.of();
        }
        return List.of(KeyValue.pair(t.getUserId(), Contracts.flag(t, verdict)));
    }

    /** Mail reaching a mailbox: its subject and preview screened; a flag names the sender, not the owner. */
    private static List<KeyValue<String, AbuseFlagged>> emailFlag(
            Screening screening, VerdictMetrics verdicts, SpecificRecordBase event) {
        if (!(event instanceof EmailReceived mail)) {
            return List.of();
        }
        Verdict verdict = screening.screenContent(mail.getSubject() + "\n" + mail.getSnippet());
        verdicts.count("email", verdict);
        if (verdict.decision() == app.donna.abuse.screening.Decision.ALLOW) {
            return List.of();
        }
        AbuseFlagged flag = Contracts.flag(mail, verdict);
        return List.of(KeyValue.pair(flag.getUserId(), flag));
    }

    private static <V extends SpecificRecordBase> Consumed<String, V> consumed(Topic<V> topic, String name) {
        return Consumed.with(topic.keySerde(), topic.valueSerde()).withName(name);
    }

    private static <V extends SpecificRecordBase> Produced<String, V> produced(Topic<V> topic, String name) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName(name);
    }
}
