package app.donna.chat.stream;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.ReplyComposer;
import app.donna.chat.reply.Turn;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.TokenUsage;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each screened message of a session once: skips message ids the session's conversation has
 * already answered, composes the reply (streaming its fragments to the {@link DeltaSink}), remembers
 * the turn, and forwards one ChatReplyProduced. The store update and the reply are committed together
 * (exactly-once), so a redelivered message never gets a second reply.
 */
final class ReplyProcessor implements Processor<String, SpecificRecordBase, String, SpecificRecordBase> {

    private static final Logger log = LoggerFactory.getLogger(ReplyProcessor.class);

    private final ReplyComposer composer;
    private final DeltaSink deltas;
    private final ChatSettingsView settings;
    private final Clock clock;
    private ProcessorContext<String, SpecificRecordBase> context;
    private KeyValueStore<String, Conversation> conversations;

    /** The few settings the processor needs. */
    record ChatSettingsView(int maxContextTurns, int rememberedMessageIds) {
    }

    ReplyProcessor(ReplyComposer composer, DeltaSink deltas, ChatSettingsView settings, Clock clock) {
        this.composer = composer;
        this.deltas = deltas;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.context = context;
        this.conversations = context.getStateStore(ReplyTopology.CONVERSATIONS_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        if (!(record.value() instanceof ChatMessageScreened m)) {
            return;
        }
        String session = m.getSessionId().toString();
        Conversation conversation = conversations.get(session);
        if (conversation == null) {
            conversation = Conversation.EMPTY;
        }
        if (conversation.hasAnswered(m.getMessageId())) {
            log.info("Message {} of session {} was already answered; not answering again", m.getMessageId(), session);
            return;
        }
        UUID replyId = UUID.nameUUIDFromBytes(("reply:" + m.getMessageId()).getBytes(StandardCharsets.UTF_8));
        boolean blocked = m.getVerdict().getDecision() == Decision.BLOCK;
        AtomicInteger sequence = new AtomicInteger();
        ReplyComposer.Reply reply = composer.compose(m.getText(), blocked, conversation.turns(),
                fragment -> deltas.publish(ChatReplyDelta.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setSessionId(m.getSessionId())
                        .setReplyId(replyId)
                        .setInReplyToMessageId(m.getMessageId())
                        .setUserId(m.getUserId())
                        .setSequence(sequence.getAndIncrement())
                        .setDelta(fragment)
                        .build()));
        Conversation next = blocked
                ? conversation.after(m.getMessageId(), null, null, settings.maxContextTurns(), settings.rememberedMessageIds())
                : conversation.after(m.getMessageId(), new Turn(Turn.Role.USER, m.getText()),
                        new Turn(Turn.Role.ASSISTANT, reply.text()), settings.maxContextTurns(),
                        settings.rememberedMessageIds());
        conversations.put(session, next);
        ChatReplyProduced produced = ChatReplyProduced.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes(("produced:" + replyId).getBytes(StandardCharsets.UTF_8)))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(m.getSessionId())
                .setReplyId(replyId)
                .setInReplyToMessageId(m.getMessageId())
                .setUserId(m.getUserId())
                .setText(reply.text())
                .setDecision(m.getVerdict().getDecision())
                .setDegraded(reply.degraded())
                .setModel(reply.model().orElse(null))
                .setUsage(reply.model().isPresent()
                        ? TokenUsage.newBuilder().setInputTokens((int) reply.inputTokens())
                                .setOutputTokens((int) reply.outputTokens())
                                .setTotalTokens((int) (reply.inputTokens() + reply.outputTokens())).build()
                        : null)
                .setLlmLatencyMs(reply.llmLatencyMs().orElse(null))
                .setDeltaCount(sequence.get())
                .build();
        context.forward(record.withValue((SpecificRecordBase) produced).withTimestamp(clock.millis()));
    }
}
