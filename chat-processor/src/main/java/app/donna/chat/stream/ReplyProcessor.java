package app.donna.chat.stream;

import app.donna.chat.reply.Cancellation;
import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.ReplyComposer;
import app.donna.chat.reply.RequestsTaken;
import app.donna.chat.reply.Turn;
import app.donna.events.actions.ActionRequested;
import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelayReason;
import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatStaffReplied;
import app.donna.events.chat.ChatTakenOver;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.TokenUsage;
import app.donna.platform.budget.TokenBudget;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import app.donna.platform.redaction.SensitiveText;
import app.donna.schemas.DerivedIds;
import io.micrometer.tracing.Span;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers each screened message of a session once, without holding the stream thread while the model
 * writes, and within deadlines whatever the model does.
 *
 * <p>A message is taken in by adding it to its session's {@link AwaitingReply} queue; if it is the only
 * one, its answer begins at once: on the {@code modelCalls} executor, with the session's turns as context
 * (streaming fragments to the {@link DeltaSink}), or straight away offline when the model is not to be
 * called (no API key, or the circuit open). The stream thread picks finished answers up every
 * {@code completionCheck} (and after each message it takes in): it remembers the turn, forwards one
 * ChatReplyProduced and starts the session's next message; readers see the reply when the transaction
 * commits: at once, unless the application committed within the last commit interval
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
 *
 * <p>Deadlines, counted from when an answer begins (so a wait for a free model-call thread counts too),
 * checked by the stream thread at each {@code completionCheck}: an answer with no fragment from the model
 * by {@code firstToken}, or not finished by {@code answer}, is given up: the model call is cancelled (its
 * HTTP call closed), the offline responder answers, degraded, and a call that had reached the model counts
 * as a failure to the circuit breaker. While the circuit is open, answers still waiting for a model-call
 * thread go offline at once rather than wait for one, so calls queued behind hung ones do not wait out
 * the hung calls' deadlines. An answer without a fragment from the model by {@code slowNotice} gets a
 * ChatReplyDelayed first, so the client can say the reply is on its way.
 */
final class ReplyProcessor implements Processor<String, SpecificRecordBase, String, SpecificRecordBase> {

    private static final Logger log = LoggerFactory.getLogger(ReplyProcessor.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ReplyComposer composer;
    private final DeltaSink deltas;
    private final Executor modelCalls;
    private final EagerCommits commits;
    private final ChatSettingsView settings;
    private final Clock clock;
    private final UnansweredMessages unanswered;
    private final RecordTracing tracing;
    /** The task's current life, from {@code init} to {@code close}; set and read on the stream thread. */
    private Incarnation current;

    private ProcessorContext<String, SpecificRecordBase> context;
    private KeyValueStore<String, Conversation> conversations;
    private KeyValueStore<String, AwaitingReply> awaiting;

    /**
     * The few settings the processor needs.
     *
     * @param completionCheck how often the stream thread looks for finished answers and passed deadlines
     */
    record ChatSettingsView(
            int maxContextTurns,
            int rememberedMessageIds,
            Duration completionCheck,
            Deadlines deadlines,
            Duration fragmentInterval) {}

    /**
     * How long an answer may take, from when it begins.
     *
     * @param slowNotice until the client is told the answer is delayed, if the model has written nothing
     * @param firstToken until the model's first fragment
     * @param answer     until the whole answer
     */
    record Deadlines(Duration slowNotice, Duration firstToken, Duration answer) {}

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

    /** Where an answer stands; it is settled once, by whichever of the model call and a deadline comes first. */
    private enum Stage {
        /** Waiting for a model-call thread. */
        QUEUED,
        /** The model is being asked. */
        CALLING,
        /** Composed (by the model, offline or as a refusal); nothing else may answer it. */
        SETTLED
    }

    /** The answer to the message that heads its session's queue, from when it begins until it is forwarded. */
    private static final class Answer {
        private final Incarnation incarnation;
        private final AwaitingReply.Waiting waiting;
        private final Instant since;
        private final AtomicReference<Stage> stage = new AtomicReference<>(Stage.QUEUED);
        private final Cancellation cancellation = new Cancellation();
        /** Its text on its way to the topic as it is written. */
        private final AnswerFragments fragments;
        /** The answer's part of its message's trace, from when it begins until it is forwarded or dropped. */
        private final Span span;
        /** The session's turns before this message. */
        private final List<Turn> context;
        /** What the customer asks the business for, taken as the answer is made, whoever settles it. */
        private final RequestsTaken requests = new RequestsTaken();
        /** Whether the client was told this answer is delayed; stream thread only. */
        private boolean delayNoticed;

        Answer(
                Incarnation incarnation,
                AwaitingReply.Waiting waiting,
                List<Turn> context,
                Instant since,
                Span span,
                Function<Answer, AnswerFragments> fragments) {
            this.incarnation = incarnation;
            this.waiting = waiting;
            this.context = context;
            this.since = since;
            this.span = span;
            this.fragments = fragments.apply(this);
        }

        Instant since() {
            return since;
        }

        ChatMessageScreened message() {
            return waiting.message();
        }

        String session() {
            return waiting.message().getSessionId().toString();
        }

        /** @return the stage it was settled from, or empty if it was settled already */
        Optional<Stage> settle() {
            for (Stage was = stage.get(); was != Stage.SETTLED; was = stage.get()) {
                if (stage.compareAndSet(was, Stage.SETTLED)) {
                    return Optional.of(was);
                }
            }
            return Optional.empty();
        }
    }

    /** A finished answer, and how many fragments went ahead of it. */
    private record Composed(Answer answer, ReplyComposer.Reply reply, int deltaCount) {

        /**
         * Fragments go to the topic outside the transaction, the reply with its commit, which can come
         * first: a reply forwarded only once its fragments are written reaches the browser after them.
         */
        boolean fragmentsWritten() {
            return answer.fragments.allWritten();
        }
    }

    ReplyProcessor(
            ReplyComposer composer,
            DeltaSink deltas,
            Executor modelCalls,
            EagerCommits commits,
            ChatSettingsView settings,
            Clock clock,
            UnansweredMessages unanswered,
            RecordTracing tracing) {
        this.composer = composer;
        this.deltas = deltas;
        this.modelCalls = modelCalls;
        this.commits = commits;
        this.settings = settings;
        this.clock = clock;
        this.unanswered = unanswered;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.current = new Incarnation(context.taskId().toString());
        unanswered.register(current);
        this.context = context;
        this.conversations = context.getStateStore(ReplyTopology.CONVERSATIONS_STORE);
        this.awaiting = context.getStateStore(ReplyTopology.AWAITING_REPLY_STORE);
        context.schedule(settings.completionCheck(), PunctuationType.WALL_CLOCK_TIME, now -> {
            enforceDeadlines();
            deliverComposed();
        });
        commits.schedule(context);
        // The stores are restored by now: whatever was taken in but not answered by the previous owner of
        // this task is answered now.
        List<AwaitingReply.Waiting> restored = new ArrayList<>();
        try (KeyValueIterator<String, AwaitingReply> all = awaiting.all()) {
            all.forEachRemaining(entry -> restored.add(entry.value.first()));
        }
        if (!restored.isEmpty()) {
            log.info("Answering {} messages taken in before this task last moved or stopped", restored.size());
        }
        restored.forEach(w ->
                startAnswering(w, conversations.get(w.message().getSessionId().toString())));
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        switch (record.value()) {
            case ChatMessageScreened m -> takeIn(m, record);
            case ChatTakenOver t -> {
                String session = t.getSessionId().toString();
                conversations.put(session, conversationOf(session).takenOverBy(t.getStaffId()));
                log.info("Session {} taken over by {}: the assistant stops answering it", session, t.getStaffId());
            }
            case ChatHandedBack h -> {
                String session = h.getSessionId().toString();
                conversations.put(session, conversationOf(session).handedBack());
                log.info("Session {} handed back by {}: the assistant answers it again", session, h.getStaffId());
            }
            case ChatStaffReplied r -> passOnStaffReply(r, record);
            default -> {
                // session starts: nothing to answer
            }
        }
    }

    private Conversation conversationOf(String session) {
        Conversation conversation = conversations.get(session);
        return conversation == null ? Conversation.EMPTY : conversation;
    }

    /**
     * A member of staff's reply goes to the visitor as the session's reply, at once and whatever the
     * assistant is doing, and joins the context: the assistant, once handed the session back, knows what
     * staff said. A copy (the client's retry) is passed on once.
     */
    private void passOnStaffReply(ChatStaffReplied r, Record<String, SpecificRecordBase> record) {
        String session = r.getSessionId().toString();
        Conversation conversation = conversationOf(session);
        if (conversation.hasAnswered(r.getReplyId())) {
            log.info("Staff reply {} of session {} was passed on already", r.getReplyId(), session);
            return;
        }
        conversations.put(
                session,
                conversation.staffSaid(
                        r.getReplyId(),
                        Turn.byStaff(r.getStaffId(), r.getText()),
                        settings.maxContextTurns(),
                        settings.rememberedMessageIds()));
        ChatReplyProduced reply = ChatReplyProduced.newBuilder()
                .setEventId(DerivedIds.of("produced", r.getReplyId()))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(r.getSessionId())
                .setReplyId(r.getReplyId())
                .setInReplyToMessageId(
                        conversation.lastMessageId() == null ? r.getReplyId() : conversation.lastMessageId())
                .setUserId(r.getUserId())
                .setText(r.getText())
                .setDecision(Decision.ALLOW)
                .setStaffId(r.getStaffId())
                .setWorkspaceId(r.getWorkspaceId())
                .build();
        context.forward(new Record<>(session, reply, clock.millis(), record.headers()));
        commits.afterForwarding(context);
    }

    private void takeIn(ChatMessageScreened m, Record<String, SpecificRecordBase> record) {
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
        if (conversation != null && conversation.isTakenOver() && queue.isEmpty()) {
            conversations.put(session, heard(conversation, m));
            return;
        }
        var header = record.headers().lastHeader(RecordTracing.TRACEPARENT);
        AwaitingReply.Waiting waiting = new AwaitingReply.Waiting(
                m, header == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        AwaitingReply next = queue.plus(waiting);
        awaiting.put(session, next);
        if (queue.isEmpty()) {
            startAnswering(waiting, conversation);
        }
        // A blocked message is refused on the spot, and with the circuit open the offline answer is made
        // on the spot too; forward them now rather than at the next check.
        deliverComposed();
    }

    /**
     * Begins the answer: a refusal or an offline answer at once, a model answer on the executor.
     *
     * @param conversation the session's conversation as it stands (null: none yet), read once by the caller
     */
    private void startAnswering(AwaitingReply.Waiting waiting, Conversation conversation) {
        ChatMessageScreened m = waiting.message();
        List<Turn> context = conversation == null ? List.of() : conversation.turns();
        Answer answer = new Answer(
                current,
                waiting,
                context,
                clock.instant(),
                tracing.startChild("chat.reply", waiting.traceparent()),
                this::fragmentsOf);
        current.underWay.put(answer.session(), answer);
        if (m.getVerdict().getDecision() == Decision.BLOCK) {
            answer.settle();
            try (var scope = tracing.inScope(answer.span)) {
                settled(
                        answer,
                        composer.in(m.getWorkspaceId())
                                .compose(m.getText(), true, context, fragment -> publish(answer, fragment)));
            }
            return;
        }
        Optional<TokenBudget.Spent> spent = composer.in(m.getWorkspaceId()).budgetSpent(m.getUserId());
        if (spent.isPresent()) {
            answerOverBudget(answer, spent.get());
            return;
        }
        if (composer.answersOfflineNow()) {
            answerOffline(answer);
            return;
        }
        try {
            modelCalls.execute(() -> callModel(answer));
        } catch (RejectedExecutionException e) {
            // only while shutting down: the message stays in its queue for the next owner
            log.warn("Not answering message {} now: {}", m.getMessageId(), e.getMessage());
        }
    }

    /** On a model-call thread: asks the model, unless a deadline or the open circuit settled the answer first. */
    private void callModel(Answer answer) {
        if (answer.incarnation.closed || !answer.stage.compareAndSet(Stage.QUEUED, Stage.CALLING)) {
            return; // the task moved on (its next owner answers), or the answer was given offline meanwhile
        }
        ChatMessageScreened m = answer.message();
        Consumer<String> onDelta = fragment -> {
            if (answer.stage.get() == Stage.CALLING) {
                publish(answer, fragment);
            }
        };
        ReplyComposer.Reply reply;
        // the call's span is current on this thread, so the fragments it writes carry it
        Span call = tracing.startChild("chat.model", answer.span);
        try (var scope = tracing.inScope(call)) {
            reply = composer.in(m.getWorkspaceId())
                    .compose(m.getText(), false, answer.context, onDelta, answer.cancellation, answer.requests);
        } catch (RuntimeException e) {
            call.error(e);
            if (answer.incarnation.closed || answer.stage.get() != Stage.CALLING) {
                return; // cut short by a shutdown or a deadline, which answer for it
            }
            log.error("Composing the answer to message {} failed; answering offline", m.getMessageId(), e);
            try (var scope = tracing.inScope(answer.span)) {
                reply = composer.in(m.getWorkspaceId())
                        .offlineAnswer(m.getText(), answer.context, onDelta, answer.requests);
            }
        } finally {
            call.end();
        }
        if (answer.stage.compareAndSet(Stage.CALLING, Stage.SETTLED)) {
            settled(answer, reply);
        }
    }

    /** The offline answer, now, on this thread: it is quick, and nothing else will answer this message. */
    private void answerOffline(Answer answer) {
        if (answer.settle().isPresent()) {
            try (var scope = tracing.inScope(answer.span)) {
                settled(
                        answer,
                        composer.in(answer.message().getWorkspaceId())
                                .offlineAnswer(
                                        answer.message().getText(),
                                        answer.context,
                                        fragment -> publish(answer, fragment),
                                        answer.requests));
            }
        }
    }

    /** Today's model budget is spent: the offline answer, saying so, now, on this thread. */
    private void answerOverBudget(Answer answer, TokenBudget.Spent spent) {
        if (answer.settle().isPresent()) {
            answer.span.event("budget spent: " + spent.scope());
            try (var scope = tracing.inScope(answer.span)) {
                settled(
                        answer,
                        composer.in(answer.message().getWorkspaceId())
                                .overBudget(
                                        answer.message().getText(),
                                        answer.context,
                                        fragment -> publish(answer, fragment),
                                        answer.requests,
                                        spent));
            }
        }
    }

    /** Hands a settled answer, its text written, to the stream thread, unless its incarnation is over. */
    private void settled(Answer answer, ReplyComposer.Reply reply) {
        int deltaCount;
        // what is left of the text goes out in the answer's trace, whichever thread settles it
        try (var scope = tracing.inScope(answer.span)) {
            deltaCount = answer.fragments.writeRest();
        }
        if (!answer.incarnation.closed) {
            answer.incarnation.composed.add(new Composed(answer, reply, deltaCount));
        }
    }

    private void publish(Answer answer, String fragment) {
        answer.fragments.add(fragment);
    }

    /** How the answer's text goes to the {@link DeltaSink}: a ChatReplyDelta per record, none once it is over. */
    private AnswerFragments fragmentsOf(Answer answer) {
        ChatMessageScreened m = answer.message();
        return new AnswerFragments(settings.fragmentInterval(), System::nanoTime, (sequence, text) -> {
            if (answer.incarnation.closed) {
                // a shutdown cut the answer short: the next owner answers in full
                return CompletableFuture.completedFuture(null);
            }
            return deltas.publish(ChatReplyDelta.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                    .setSessionId(m.getSessionId())
                    .setReplyId(replyId(m))
                    .setInReplyToMessageId(m.getMessageId())
                    .setUserId(m.getUserId())
                    .setSequence(sequence)
                    .setDelta(text)
                    .build());
        });
    }

    /**
     * On the stream thread: gives up the answers past a deadline, then, if the circuit is open (perhaps
     * just opened by those), answers offline those still waiting for a model-call thread, and only then
     * cancels the calls given up, so the threads this frees do not take up calls that should not be made.
     */
    private void enforceDeadlines() {
        if (current.underWay.isEmpty()) {
            return;
        }
        long now = clock.millis();
        Deadlines deadlines = settings.deadlines();
        List<Answer> givenUp = new ArrayList<>();
        List<Answer> queued = new ArrayList<>();
        for (Answer answer : current.underWay.values()) {
            Stage stage = answer.stage.get();
            if (stage == Stage.SETTLED) {
                continue;
            }
            if (answer.fragments.due()) { // the model paused: what it wrote goes out without waiting for more
                try (var scope = tracing.inScope(answer.span)) {
                    answer.fragments.writeIfDue();
                }
            }
            long waited = now - answer.since().toEpochMilli();
            if (waited >= deadlines.answer().toMillis()) {
                giveUp(answer, "no whole answer within " + deadlines.answer().toSeconds() + " s")
                        .ifPresent(givenUp::add);
            } else if (!answer.fragments.anyReceived()
                    && waited >= deadlines.firstToken().toMillis()) {
                giveUp(
                                answer,
                                "no first fragment within "
                                        + deadlines.firstToken().toSeconds() + " s")
                        .ifPresent(givenUp::add);
            } else {
                boolean silent = !answer.fragments.anyReceived();
                if (silent
                        && !answer.delayNoticed
                        && waited >= deadlines.slowNotice().toMillis()) {
                    noticeDelay(answer, waited);
                }
                if (stage == Stage.QUEUED) {
                    queued.add(answer);
                }
            }
        }
        if (!queued.isEmpty() && composer.answersOfflineNow()) {
            queued.forEach(this::answerOffline);
        }
        givenUp.forEach(answer -> answer.cancellation.cancel());
    }

    /**
     * Tells the client the answer is slow to come (SSE {@code status}): ahead of the answer's fragments on
     * the topic, as both go through the {@link DeltaSink}.
     */
    private void noticeDelay(Answer answer, long waitedMs) {
        answer.delayNoticed = true;
        ChatMessageScreened m = answer.message();
        UUID replyId = replyId(m);
        answer.span.event("delay noticed");
        try (var scope = tracing.inScope(answer.span)) {
            deltas.publish(ChatReplyDelayed.newBuilder()
                    .setEventId(DerivedIds.of("delayed", replyId))
                    .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                    .setSessionId(m.getSessionId())
                    .setReplyId(replyId)
                    .setInReplyToMessageId(m.getMessageId())
                    .setUserId(m.getUserId())
                    .setReason(ChatReplyDelayReason.MODEL_SLOW)
                    .setWaitedMs(waitedMs)
                    .build());
        }
    }

    /**
     * Past its deadline: answers offline, degraded, and counts a failure if the model had the call.
     *
     * @return the answer, whose model call the caller is to cancel (closing its HTTP call); empty if it was
     *         settled meanwhile
     */
    private Optional<Answer> giveUp(Answer answer, String why) {
        Optional<Stage> was = answer.settle();
        if (was.isEmpty()) {
            return Optional.empty();
        }
        ChatMessageScreened m = answer.message();
        answer.span.event("given up: " + why);
        try (var scope = tracing.inScope(answer.span)) {
            settled(
                    answer,
                    composer.in(m.getWorkspaceId())
                            .timedOut(
                                    m.getText(),
                                    answer.context,
                                    was.get() == Stage.CALLING,
                                    "message " + m.getMessageId() + ": " + why,
                                    fragment -> publish(answer, fragment),
                                    answer.requests));
        }
        return Optional.of(answer);
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
        if (queue == null
                || queue.isEmpty()
                || !queue.first().message().getMessageId().equals(m.getMessageId())) {
            log.warn(
                    "Dropping an answer to message {} of session {} that no longer awaits one",
                    m.getMessageId(),
                    session);
            c.answer().span.event("dropped").end();
            return false;
        }
        boolean blocked = m.getVerdict().getDecision() == Decision.BLOCK;
        ReplyComposer.Reply reply = c.reply();
        Conversation conversation = conversations.get(session);
        if (conversation == null) {
            conversation = Conversation.EMPTY;
        }
        Conversation updated = blocked
                ? conversation.after(
                        m.getMessageId(), null, null, settings.maxContextTurns(), settings.rememberedMessageIds())
                : conversation.after(
                        m.getMessageId(),
                        new Turn(Turn.Role.USER, m.getText()),
                        new Turn(Turn.Role.ASSISTANT, reply.text()),
                        settings.maxContextTurns(),
                        settings.rememberedMessageIds());
        AwaitingReply rest = queue.withoutFirst();
        if (updated.isTakenOver()) {
            // taken over while this answer was being made: the messages after it are for staff to answer
            for (AwaitingReply.Waiting heard : rest.messages()) {
                updated = heard(updated, heard.message());
            }
            rest = AwaitingReply.NONE;
        }
        conversations.put(session, updated);
        RecordHeaders headers = new RecordHeaders();
        Span span = c.answer().span;
        tracing.inject(span, headers);
        span.tag("degraded", String.valueOf(reply.degraded()));
        context.forward(new Record<>(session, produced(m, reply, c.deltaCount()), clock.millis(), headers));
        List<RequestsTaken.Request> requests = reply.requests();
        for (int i = 0; i < requests.size(); i++) {
            ActionRequested action = actionRequested(m, i, requests.get(i));
            context.forward(new Record<>(m.getUserId().toString(), action, clock.millis(), headers));
            log.info(
                    "Message {} of session {}: {} passed on as action {}",
                    m.getMessageId(),
                    session,
                    action.getKind(),
                    action.getActionId());
        }
        span.end();
        if (rest.isEmpty()) {
            awaiting.delete(session);
        } else {
            awaiting.put(session, rest);
            startAnswering(rest.first(), updated);
        }
        return true;
    }

    /** The conversation after a message nobody answers here: a member of staff has the session. */
    private Conversation heard(Conversation conversation, ChatMessageScreened m) {
        log.info(
                "Message {} of session {} is for {} to answer: the session is taken over",
                m.getMessageId(),
                m.getSessionId(),
                conversation.takenOverBy());
        return conversation.heard(
                m.getMessageId(),
                m.getVerdict().getDecision() == Decision.BLOCK ? null : new Turn(Turn.Role.USER, m.getText()),
                settings.maxContextTurns(),
                settings.rememberedMessageIds());
    }

    private ChatReplyProduced produced(ChatMessageScreened m, ReplyComposer.Reply reply, int deltaCount) {
        UUID replyId = replyId(m);
        return ChatReplyProduced.newBuilder()
                .setEventId(DerivedIds.of("produced", replyId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(m.getSessionId())
                .setReplyId(replyId)
                .setInReplyToMessageId(m.getMessageId())
                .setUserId(m.getUserId())
                .setText(reply.text())
                .setDecision(m.getVerdict().getDecision())
                .setDegraded(reply.degraded())
                .setModel(reply.model().orElse(null))
                .setUsage(
                        reply.model().isPresent()
                                ? TokenUsage.newBuilder()
                                        .setInputTokens((int) reply.inputTokens())
                                        .setOutputTokens((int) reply.outputTokens())
                                        .setTotalTokens((int) (reply.inputTokens() + reply.outputTokens()))
                                        .build()
                                : null)
                .setLlmLatencyMs(reply.llmLatencyMs().orElse(null))
                .setDeltaCount(deltaCount)
                .setWorkspaceId(m.getWorkspaceId())
                .setDegradedReason(reply.degraded() ? reply.degradedReason() : null)
                .build();
    }

    /**
     * The business is asked for what the customer asked for. The action's id comes from the message and the
     * request's place among the answer's requests, so answering the message again (after a restart) asks
     * again under the same ids, which the dispatcher delivers once.
     */
    private ActionRequested actionRequested(ChatMessageScreened m, int index, RequestsTaken.Request request) {
        UUID actionId = DerivedIds.of("chat-action", m.getMessageId() + "/" + index);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("sessionId", m.getSessionId().toString());
        payload.put("messageId", m.getMessageId().toString());
        Map<String, String> details = new LinkedHashMap<>();
        request.details().forEach((field, value) -> details.put(field, SensitiveText.redact(value)));
        payload.put("details", details);
        return ActionRequested.newBuilder()
                .setEventId(DerivedIds.of("action-requested", actionId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(m.getUserId())
                .setActionId(actionId)
                .setKind(request.kind())
                .setIntegration(request.integration())
                .setPayloadJson(JSON.writeValueAsString(payload))
                .setSource(EventSource.CHAT)
                .setSourceId(m.getSessionId().toString())
                .setWorkspaceId(m.getWorkspaceId())
                .build();
    }

    /** Derived from the message, so every attempt at answering it (and its deltas) shares one reply id. */
    private static UUID replyId(ChatMessageScreened m) {
        return DerivedIds.of("reply", m.getMessageId());
    }

    @Override
    public void close() {
        // Answers still being composed are dropped: their messages are still in the committed queue, and
        // the task's next owner (or this processor, initialised again) answers them. Their model calls are
        // cancelled, which frees the model-call threads at once.
        current.closed = true;
        current.underWay.values().forEach(answer -> {
            answer.cancellation.cancel();
            answer.span.event("task closed").end();
        });
        current.composed.clear();
        unanswered.unregister(current);
    }
}
