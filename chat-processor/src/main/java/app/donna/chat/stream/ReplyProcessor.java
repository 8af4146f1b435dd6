package app.donna.chat.stream;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.ReplyComposer;
import app.donna.chat.reply.Turn;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.TokenUsage;
import app.donna.platform.kafka.EagerCommits;
import app.donna.schemas.CloudEventHeaders;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each screened message of a session once, without holding the stream thread while the model
 * writes.
 *
 * <p>A message is taken in by adding it to its session's {@link AwaitingReply} queue; if it is the only
 * one, its answer is composed at once on the {@code modelCalls} executor, with the session's turns as
 * context (streaming fragments to the {@link DeltaSink}). The stream thread picks finished answers up
 * every {@code completionCheck} (and after each message it takes in): it remembers the turn, forwards
 * one ChatReplyProduced and starts the session's next message; readers see the reply when the
 * transaction commits: at once, unless the application committed within the last commit interval
 * ({@link EagerCommits}), and then within one commit interval. The queue, the conversation and the
 * reply are committed together with the input offsets (exactly-once), so:
 * <ul>
 *   <li>a redelivered message, answered or still awaiting its answer, is not answered again;</li>
 *   <li>Kafka Streams may close a task and init the same processor again (a task closed dirty after a
 *       failed commit is revived, not rebuilt): each {@code init} starts a new {@link Incarnation}, so the
 *       processor answers again, and answers still being composed for an earlier one are dropped rather
 *       than delivered into the new one (which answers their messages afresh from the restored queue);</li>
 *   <li>messages taken in but unanswered when the task closes (restart, rebalance, crash) are answered by
 *       the task's next owner, which finds them in the restored queue and starts them again;</li>
 *   <li>a session's messages are answered one at a time, in order, while many sessions' answers are
 *       composed at once.</li>
 * </ul>
 */
final class ReplyProcessor implements Processor<String, SpecificRecordBase, String, SpecificRecordBase> {

    private static final Logger log = LoggerFactory.getLogger(ReplyProcessor.class);

    private final ReplyComposer composer;
    private final DeltaSink deltas;
    private final Executor modelCalls;
    private final EagerCommits commits;
    private final ChatSettingsView settings;
    private final Clock clock;
    private final UnansweredMessages unanswered;
    /** The task's current life, from {@code init} to {@code close}; set and read on the stream thread. */
    private Incarnation current;
    private ProcessorContext<String, SpecificRecordBase> context;
    private KeyValueStore<String, Conversation> conversations;
    private KeyValueStore<String, AwaitingReply> awaiting;

    /**
     * The few settings the processor needs.
     *
     * @param completionCheck how often the stream thread looks for finished answers
     */
    record ChatSettingsView(int maxContextTurns, int rememberedMessageIds, Duration completionCheck) {
    }

    /**
     * One life of this processor as its task, from {@code init} to {@code close}. Work started for an
     * incarnation (model calls on other threads) hands its answers to that incarnation only, so an answer
     * finished after a close is never delivered by a later incarnation of the same processor.
     */
    private static final class Incarnation implements UnansweredMessages.Task {
        private final String task;
        /** Answers composed off the stream thread, waiting for it to pick them up. */
        final Queue<Composed> composed = new ConcurrentLinkedQueue<>();
        /** The answer under way for each session, until it is forwarded; read by health from other threads. */
        final Map<String, Answer> underWay = new ConcurrentHashMap<>();
        volatile boolean closed;

        Incarnation(String task) {
            this.task = task;
        }

        @Override
        public String name() {
            return task;
        }

        @Override
        public Optional<Instant> oldestSince() {
            return underWay.values().stream().map(Answer::since).min(Comparator.naturalOrder());
        }
    }

    /** The answer to the message that heads its session's queue, from when it begins until it is forwarded. */
    private static final class Answer {
        private final Incarnation incarnation;
        private final AwaitingReply.Waiting waiting;
        private final Instant since;
        private final AtomicInteger sequence = new AtomicInteger();
        /** The writing of its last fragment (null: none yet). */
        private final AtomicReference<Future<?>> lastDelta = new AtomicReference<>();

        Answer(Incarnation incarnation, AwaitingReply.Waiting waiting, Instant since) {
            this.incarnation = incarnation;
            this.waiting = waiting;
            this.since = since;
        }

        Instant since() {
            return since;
        }

        String session() {
            return waiting.message().getSessionId().toString();
        }
    }

    /** A finished answer, and how many fragments went ahead of it. */
    private record Composed(Answer answer, ReplyComposer.Reply reply, int deltaCount) {

        /**
         * Fragments go to the topic outside the transaction, the reply with its commit, which can come
         * first: a reply forwarded only once its fragments are written reaches the browser after them.
         */
        boolean fragmentsWritten() {
            Future<?> last = answer.lastDelta.get();
            return last == null || last.isDone();
        }
    }

    ReplyProcessor(ReplyComposer composer, DeltaSink deltas, Executor modelCalls, EagerCommits commits,
            ChatSettingsView settings, Clock clock, UnansweredMessages unanswered) {
        this.composer = composer;
        this.deltas = deltas;
        this.modelCalls = modelCalls;
        this.commits = commits;
        this.settings = settings;
        this.clock = clock;
        this.unanswered = unanswered;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.current = new Incarnation(context.taskId().toString());
        unanswered.register(current);
        this.context = context;
        this.conversations = context.getStateStore(ReplyTopology.CONVERSATIONS_STORE);
        this.awaiting = context.getStateStore(ReplyTopology.AWAITING_REPLY_STORE);
        context.schedule(settings.completionCheck(), PunctuationType.WALL_CLOCK_TIME, now -> deliverComposed());
        commits.schedule(context);
        // The stores are restored by now: whatever was taken in but not answered by the previous owner of
        // this task is answered now.
        List<AwaitingReply.Waiting> unanswered = new ArrayList<>();
        try (KeyValueIterator<String, AwaitingReply> all = awaiting.all()) {
            all.forEachRemaining(entry -> unanswered.add(entry.value.first()));
        }
        if (!unanswered.isEmpty()) {
            log.info("Answering {} messages taken in before this task last moved or stopped", unanswered.size());
        }
        unanswered.forEach(w -> startAnswering(w, conversations.get(w.message().getSessionId().toString())));
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        if (!(record.value() instanceof ChatMessageScreened m)) {
            return;
        }
        String session = m.getSessionId().toString();
        Conversation conversation = conversations.get(session);
        AwaitingReply queue = awaiting.get(session);
        if (queue == null) {
            queue = AwaitingReply.NONE;
        }
        if ((conversation != null && conversation.hasAnswered(m.getMessageId())) || queue.contains(m.getMessageId())) {
            log.info("Message {} of session {} was already taken in; not answering again", m.getMessageId(), session);
            return;
        }
        var header = record.headers().lastHeader(CloudEventHeaders.TRACEPARENT);
        AwaitingReply.Waiting waiting = new AwaitingReply.Waiting(m,
                header == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        AwaitingReply next = queue.plus(waiting);
        awaiting.put(session, next);
        if (queue.isEmpty()) {
            startAnswering(waiting, conversation);
        }
        // A blocked message is refused on the spot; forward its refusal now rather than at the next check.
        deliverComposed();
    }

    /**
     * Composes the answer: a refusal at once, a model answer on the executor.
     *
     * @param conversation the session's conversation as it stands (null: none yet), read once by the caller
     */
    private void startAnswering(AwaitingReply.Waiting waiting, Conversation conversation) {
        ChatMessageScreened m = waiting.message();
        boolean blocked = m.getVerdict().getDecision() == Decision.BLOCK;
        List<Turn> context = conversation == null ? List.of() : conversation.turns();
        Answer answer = new Answer(current, waiting, clock.instant());
        current.underWay.put(answer.session(), answer);
        if (blocked) {
            compose(answer, true, context);
            return;
        }
        try {
            modelCalls.execute(() -> compose(answer, false, context));
        } catch (RejectedExecutionException e) {
            // only while shutting down: the message stays in its queue for the next owner
            log.warn("Not answering message {} now: {}", m.getMessageId(), e.getMessage());
        }
    }

    private void compose(Answer answer, boolean blocked, List<Turn> context) {
        Incarnation incarnation = answer.incarnation;
        if (incarnation.closed) {
            return; // the task moved on; its next owner answers
        }
        ChatMessageScreened m = answer.waiting.message();
        UUID replyId = replyId(m);
        Consumer<String> onDelta = fragment -> {
            if (incarnation.closed) {
                return; // a shutdown cut the answer short: the next owner answers in full
            }
            answer.lastDelta.set(deltas.publish(ChatReplyDelta.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                    .setSessionId(m.getSessionId())
                    .setReplyId(replyId)
                    .setInReplyToMessageId(m.getMessageId())
                    .setUserId(m.getUserId())
                    .setSequence(answer.sequence.getAndIncrement())
                    .setDelta(fragment)
                    .build()));
        };
        ReplyComposer.Reply reply;
        try {
            reply = composer.compose(m.getText(), blocked, context, onDelta);
        } catch (RuntimeException e) {
            if (incarnation.closed) {
                return; // interrupted by the shutdown
            }
            log.error("Composing the answer to message {} failed; answering offline", m.getMessageId(), e);
            reply = composer.offlineAnswer(m.getText(), onDelta);
        }
        if (incarnation.closed) {
            return;
        }
        incarnation.composed.add(new Composed(answer, reply, answer.sequence.get()));
    }

    /**
     * On the stream thread: forwards finished answers whose fragments are written, and starts each such
     * session's next message. The others wait for a later check.
     */
    private void deliverComposed() {
        boolean forwarded = false;
        boolean tookAny;
        do { // again, for answers that delivering composed at once (a refusal next in its session's queue)
            tookAny = false;
            for (Iterator<Composed> finished = current.composed.iterator(); finished.hasNext(); ) {
                Composed c = finished.next();
                if (c.fragmentsWritten()) {
                    finished.remove();
                    tookAny = true;
                    forwarded |= deliver(c);
                }
            }
        } while (tookAny);
        if (forwarded) {
            commits.afterForwarding(context);
        }
    }

    /** @return whether a reply was forwarded */
    private boolean deliver(Composed c) {
        AwaitingReply.Waiting waiting = c.answer().waiting;
        ChatMessageScreened m = waiting.message();
        String session = m.getSessionId().toString();
        current.underWay.remove(session, c.answer());
        AwaitingReply queue = awaiting.get(session);
        if (queue == null || queue.isEmpty() || !queue.first().message().getMessageId().equals(m.getMessageId())) {
            log.warn("Dropping an answer to message {} of session {} that no longer awaits one", m.getMessageId(),
                    session);
            return false;
        }
        boolean blocked = m.getVerdict().getDecision() == Decision.BLOCK;
        ReplyComposer.Reply reply = c.reply();
        Conversation conversation = conversations.get(session);
        if (conversation == null) {
            conversation = Conversation.EMPTY;
        }
        Conversation updated = blocked
                ? conversation.after(m.getMessageId(), null, null, settings.maxContextTurns(),
                        settings.rememberedMessageIds())
                : conversation.after(m.getMessageId(), new Turn(Turn.Role.USER, m.getText()),
                        new Turn(Turn.Role.ASSISTANT, reply.text()), settings.maxContextTurns(),
                        settings.rememberedMessageIds());
        conversations.put(session, updated);
        RecordHeaders headers = new RecordHeaders();
        if (waiting.traceparent() != null) {
            headers.add(CloudEventHeaders.TRACEPARENT, waiting.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        context.forward(new Record<>(session, (SpecificRecordBase) produced(m, reply, c.deltaCount()), clock.millis(),
                headers));
        AwaitingReply rest = queue.withoutFirst();
        if (rest.isEmpty()) {
            awaiting.delete(session);
        } else {
            awaiting.put(session, rest);
            startAnswering(rest.first(), updated);
        }
        return true;
    }

    private ChatReplyProduced produced(ChatMessageScreened m, ReplyComposer.Reply reply, int deltaCount) {
        UUID replyId = replyId(m);
        return ChatReplyProduced.newBuilder()
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
                .setDeltaCount(deltaCount)
                .build();
    }

    /** Derived from the message, so every attempt at answering it (and its deltas) shares one reply id. */
    private static UUID replyId(ChatMessageScreened m) {
        return UUID.nameUUIDFromBytes(("reply:" + m.getMessageId()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        // Answers still being composed are dropped when they finish: their messages are still in the
        // committed queue, and the task's next owner (or this processor, initialised again) answers them.
        current.closed = true;
        current.composed.clear();
        unanswered.unregister(current);
    }
}
