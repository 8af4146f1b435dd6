package app.donna.chat.stream;

import app.donna.chat.reply.ReplyComposer;
import app.donna.events.actions.ActionRequested;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The reply topology.
 *
 * <p>Consumes: {@code donna.chat.screened} (ChatMessageScreened, and staff's ChatTakenOver, ChatStaffReplied
 * and ChatHandedBack, by session: while a session is taken over its messages join the context unanswered,
 * and a staff reply is passed on as the session's reply). Produces:
 * {@code donna.chat.replies} (ChatReplyProduced, by session, exactly once) and {@code donna.actions}
 * (ActionRequested, by user, in the same transaction: what the customer asked the business for while the
 * reply was made; the ChatReplyDelta fragments
 * go to {@code donna.chat.reply-fragments}, directly from the {@link DeltaSink}). The session's conversation lives in the
 * {@value #CONVERSATIONS_STORE} store and its messages awaiting an answer in the
 * {@value #AWAITING_REPLY_STORE} store, both backed by changelogs, so context and unanswered messages
 * survive restarts and rebalances. Answers are composed on {@code modelCalls}, off the stream thread.
 */
public final class ReplyTopology {

    public static final String CONVERSATIONS_STORE = "conversations";
    public static final String AWAITING_REPLY_STORE = "awaiting-reply";

    private ReplyTopology() {}

    /**
     * @param commits    asks for a commit after replies are forwarded, at most once per commit interval
     * @param unanswered where the processors report the answers they have under way, for health
     */
    static Topology build(
            ReplyComposer composer,
            DeltaSink deltas,
            Executor modelCalls,
            EagerCommits commits,
            ReplyProcessor.ChatSettingsView settings,
            Clock clock,
            UnansweredMessages unanswered,
            RecordTracing tracing) {
        StreamsBuilder builder = new StreamsBuilder();
        define(builder, composer, deltas, modelCalls, commits, settings, clock, unanswered, tracing);
        return builder.build();
    }

    /** Puts the topology on {@code builder}: the service's own, which Spring for Apache Kafka builds and runs. */
    static void define(
            StreamsBuilder builder,
            ReplyComposer composer,
            DeltaSink deltas,
            Executor modelCalls,
            EagerCommits commits,
            ReplyProcessor.ChatSettingsView settings,
            Clock clock,
            UnansweredMessages unanswered,
            RecordTracing tracing) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CONVERSATIONS_STORE), Serdes.String(), StateSerdes.conversation()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AWAITING_REPLY_STORE), Serdes.String(), StateSerdes.awaitingReply()));
        builder.stream(
                        Topics.CHAT_SCREENED.name(),
                        Consumed.with(Topics.CHAT_SCREENED.keySerde(), Topics.CHAT_SCREENED.valueSerde())
                                .withName("chat-screened"))
                .process(
                        replyProcessors(composer, deltas, modelCalls, commits, settings, clock, unanswered, tracing),
                        Named.as("reply"),
                        CONVERSATIONS_STORE,
                        AWAITING_REPLY_STORE)
                .split(Named.as("reply-"))
                .branch(
                        (key, value) -> value instanceof ActionRequested,
                        Branched.withConsumer(
                                actions -> actions.to(
                                        Topics.ACTIONS.name(),
                                        Produced.with(Topics.ACTIONS.keySerde(), Topics.ACTIONS.valueSerde())
                                                .withName("to-actions")),
                                "actions"))
                .defaultBranch(Branched.withConsumer(
                        replies -> replies.to(
                                Topics.CHAT_REPLIES.name(),
                                Produced.with(Topics.CHAT_REPLIES.keySerde(), Topics.CHAT_REPLIES.valueSerde())
                                        .withName("to-chat-replies")),
                        "replies"));
    }

    /**
     * A new processor for each task. What the processors share (the composer, the model-call pool, the
     * sinks) is safe to share; everything a processor keeps of its own is made in its {@code init}, because
     * Kafka Streams may init the same processor again after closing it (a task revived after a failed
     * commit).
     */
    static ProcessorSupplier<String, SpecificRecordBase, String, SpecificRecordBase> replyProcessors(
            ReplyComposer composer,
            DeltaSink deltas,
            Executor modelCalls,
            EagerCommits commits,
            ReplyProcessor.ChatSettingsView settings,
            Clock clock,
            UnansweredMessages unanswered,
            RecordTracing tracing) {
        return () -> new ReplyProcessor(composer, deltas, modelCalls, commits, settings, clock, unanswered, tracing);
    }
}
