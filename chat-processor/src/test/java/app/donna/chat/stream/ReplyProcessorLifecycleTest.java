package app.donna.chat.stream;

import static app.donna.localinfra.StandInOpenAi.answer;
import static app.donna.localinfra.StandInOpenAi.delay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.chat.openai.OpenAiLlmClient;
import app.donna.chat.reply.CircuitBreaker;
import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.ReplyComposer;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.localinfra.StandInOpenAi;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import app.donna.platform.persona.Persona;
import app.donna.testing.MutableClock;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

/**
 * The reply processor across the life cycle Kafka Streams gives a task: after a failed commit it closes
 * the task dirty and revives it, initialising the same processor instance again on the state restored from
 * the changelogs. TopologyTestDriver cannot close and revive a task, so this drives the processor through
 * a {@link MockProcessorContext}, with the same stores standing for the restored state.
 */
class ReplyProcessorLifecycleTest {

    static final Duration CHECK = Duration.ofMillis(5);
    static final ReplyProcessor.Deadlines DEADLINES =
            new ReplyProcessor.Deadlines(Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(60));
    static final Persona PERSONA = new Persona("Bella's Salon", "Tue-Sat 9am-6pm", List.of("haircuts"), "warm", "");

    final StandInOpenAi openAi = new StandInOpenAi();
    final RecordingSink sink = new RecordingSink();
    final List<ChatReplyDelta> deltas = sink.deltas;
    /** Model calls the test runs when it chooses, when {@link #holdCalls} is set. */
    final Deque<Runnable> heldCalls = new ArrayDeque<>();

    boolean holdCalls;
    final Executor modelCalls = call -> {
        if (holdCalls) {
            heldCalls.add(call);
        } else {
            call.run();
        }
    };
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    final UnansweredMessages unanswered = new UnansweredMessages();
    OpenAiLlmClient client;
    ProcessorSupplier<String, SpecificRecordBase, String, SpecificRecordBase> supplier;
    KeyValueStore<String, Conversation> conversations;
    KeyValueStore<String, AwaitingReply> awaiting;

    @BeforeEach
    void setUp() {
        client = new OpenAiLlmClient(
                openAi.baseUrl(),
                "sk-test",
                "gpt-test",
                Duration.ofSeconds(2),
                Retry.of("llm", OpenAiLlmClient.retryConfig(0)),
                200,
                5);
        ReplyComposer composer = new ReplyComposer(
                PERSONA, Optional.of(client), new CircuitBreaker(5, Duration.ofSeconds(30), clock), clock);
        supplier = ReplyTopology.replyProcessors(
                composer,
                sink,
                modelCalls,
                new EagerCommits(Duration.ofMillis(20)),
                new ReplyProcessor.ChatSettingsView(20, 200, CHECK, DEADLINES, Duration.ZERO),
                clock,
                unanswered,
                RecordTracing.noop());
        conversations = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ReplyTopology.CONVERSATIONS_STORE),
                        Serdes.String(),
                        StateSerdes.conversation())
                .withLoggingDisabled()
                .build();
        awaiting = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ReplyTopology.AWAITING_REPLY_STORE),
                        Serdes.String(),
                        StateSerdes.awaitingReply())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<String, SpecificRecordBase> forStores = new MockProcessorContext<>();
        conversations.init(forStores.getStateStoreContext(), conversations);
        awaiting.init(forStores.getStateStoreContext(), awaiting);
    }

    @AfterEach
    void tearDown() {
        client.close();
        openAi.close();
    }

    @Test
    void eachTaskGetsAProcessorOfItsOwn() {
        assertThat(supplier.get()).isNotSameAs(supplier.get());
    }

    @Test
    void aTaskClosedAndInitialisedAgainKeepsAnswering() {
        openAi.then(answer("Before."), answer("After."));
        Processor<String, SpecificRecordBase, String, SpecificRecordBase> processor = supplier.get();
        MockProcessorContext<String, SpecificRecordBase> first = context();
        processor.init(first);
        processor.process(record(message(UUID.randomUUID(), "hello")));
        assertThat(replies(first)).extracting(ChatReplyProduced::getText).containsExactly("Before.");

        // a transaction commit failed: Kafka Streams closes the task dirty and revives it with the same processor
        processor.close();
        MockProcessorContext<String, SpecificRecordBase> revived = context();
        processor.init(revived);
        ChatMessageScreened after = message(UUID.randomUUID(), "are you open?");
        processor.process(record(after));
        punctuate(revived);

        assertThat(replies(revived))
                .as("the revived task answers")
                .singleElement()
                .satisfies(reply -> {
                    assertThat(reply.getInReplyToMessageId()).isEqualTo(after.getMessageId());
                    assertThat(reply.getText()).isEqualTo("After.");
                });
    }

    @Test
    void anAnswerFinishedAfterTheCloseIsNotDeliveredByTheRevivedTaskWhichAnswersAfresh() throws Exception {
        holdCalls = true;
        openAi.then(delay(500, answer("From before the close.")), answer("From the revived task."));
        Processor<String, SpecificRecordBase, String, SpecificRecordBase> processor = supplier.get();
        processor.init(context());
        ChatMessageScreened m = message(UUID.randomUUID(), "when do you open?");
        processor.process(record(m));
        Thread before = Thread.ofPlatform().start(heldCalls.poll());
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        // the model is writing when the task closes and is revived
        processor.close();
        MockProcessorContext<String, SpecificRecordBase> revived = context();
        processor.init(revived);
        Runnable afresh = heldCalls.poll();
        assertThat(afresh)
                .as("the revived task starts the unanswered message again")
                .isNotNull();
        before.join(Duration.ofSeconds(10).toMillis());
        assertThat(before.isAlive()).isFalse();
        punctuate(revived);
        assertThat(replies(revived)).as("the closed incarnation's answer").isEmpty();

        afresh.run();
        punctuate(revived);
        assertThat(replies(revived)).singleElement().satisfies(reply -> {
            assertThat(reply.getInReplyToMessageId()).isEqualTo(m.getMessageId());
            assertThat(reply.getText()).isEqualTo("From the revived task.");
        });
        assertThat(deltas).extracting(ChatReplyDelta::getDelta).containsExactly("From the revived task.");
    }

    @Test
    void aMessageLeftUnansweredFarLongerThanTheModelMayTakeMarksHealthDown() {
        holdCalls = true;
        UnansweredHealthIndicator health = new UnansweredHealthIndicator(unanswered, Duration.ofMinutes(2), clock);
        Processor<String, SpecificRecordBase, String, SpecificRecordBase> processor = supplier.get();
        MockProcessorContext<String, SpecificRecordBase> context = context();
        processor.init(context);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        processor.process(record(message(UUID.randomUUID(), "hello?")));
        clock.advance(Duration.ofMinutes(1));
        assertThat(health.health().getStatus())
                .as("still within what an answer may take")
                .isEqualTo(Status.UP);
        clock.advance(Duration.ofMinutes(2));
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.health().getDetails())
                .containsEntry("longestWaitSeconds", 180L)
                .containsEntry("task", "0_0");

        heldCalls.poll().run();
        punctuate(context);
        assertThat(replies(context)).hasSize(1);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aClosedTaskNoLongerCountsForHealth() {
        holdCalls = true;
        UnansweredHealthIndicator health = new UnansweredHealthIndicator(unanswered, Duration.ofMinutes(2), clock);
        Processor<String, SpecificRecordBase, String, SpecificRecordBase> processor = supplier.get();
        processor.init(context());
        processor.process(record(message(UUID.randomUUID(), "hello?")));

        processor.close(); // the task moved to another instance, which answers the message
        clock.advance(Duration.ofMinutes(5));

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    /** A context over the stores as they stand, as Kafka Streams restores them from the changelogs. */
    private MockProcessorContext<String, SpecificRecordBase> context() {
        MockProcessorContext<String, SpecificRecordBase> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(System.currentTimeMillis());
        context.addStateStore(conversations);
        context.addStateStore(awaiting);
        return context;
    }

    private static void punctuate(MockProcessorContext<String, SpecificRecordBase> context) {
        context.scheduledPunctuators().stream()
                .filter(p -> !p.cancelled())
                .forEach(p -> p.getPunctuator().punctuate(System.currentTimeMillis()));
    }

    private static List<ChatReplyProduced> replies(MockProcessorContext<String, SpecificRecordBase> context) {
        return context.forwarded().stream()
                .map(f -> (ChatReplyProduced) f.record().value())
                .toList();
    }

    private static Record<String, SpecificRecordBase> record(ChatMessageScreened m) {
        return new Record<>(m.getSessionId().toString(), m, System.currentTimeMillis());
    }

    private static ChatMessageScreened message(UUID session, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId("user-1")
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }
}
