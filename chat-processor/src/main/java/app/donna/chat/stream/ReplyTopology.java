package app.donna.chat.stream;

import java.time.Clock;

import app.donna.chat.reply.ReplyComposer;
import app.donna.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The reply topology.
 *
 * <p>Consumes: {@code donna.chat.screened} (ChatMessageScreened, by session). Produces:
 * {@code donna.chat.replies} (ChatReplyProduced, by session, exactly once; the ChatReplyDelta fragments
 * go there too, directly from the {@link DeltaSink}). The session's conversation lives in the
 * {@value #CONVERSATIONS_STORE} store, backed by a changelog, so context survives restarts and
 * rebalances.
 */
public final class ReplyTopology {

    public static final String CONVERSATIONS_STORE = "conversations";

    private ReplyTopology() {
    }

    public static Topology build(ReplyComposer composer, DeltaSink deltas, int maxContextTurns,
            int rememberedMessageIds, Clock clock) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONVERSATIONS_STORE),
                Serdes.String(), new ConversationSerde()));
        builder.stream(Topics.CHAT_SCREENED.name(),
                        Consumed.with(Topics.CHAT_SCREENED.keySerde(), Topics.CHAT_SCREENED.valueSerde())
                                .withName("chat-screened"))
                .process(() -> new ReplyProcessor(composer, deltas,
                        new ReplyProcessor.ChatSettingsView(maxContextTurns, rememberedMessageIds), clock),
                        Named.as("reply"), CONVERSATIONS_STORE)
                .to(Topics.CHAT_REPLIES.name(), Produced.with(Topics.CHAT_REPLIES.keySerde(),
                        Topics.CHAT_REPLIES.valueSerde()).withName("to-chat-replies"));
        return builder.build();
    }
}
