package app.donna.chat.stream;

import static app.donna.localinfra.StandInOpenAi.hang;
import static app.donna.localinfra.StandInOpenAi.stall;
import static app.donna.localinfra.StandInOpenAi.stallAfter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.chat.openai.OpenAiLlmClient;
import app.donna.chat.reply.CircuitBreaker;
import app.donna.chat.reply.ReplyComposer;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelayReason;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.localinfra.StandInOpenAi;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import app.donna.platform.persona.Persona;
import app.donna.schemas.Topics;
import app.donna.testing.MutableClock;
import io.github.resilience4j.retry.Retry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that hangs or is slow, against the reply topology: the real openai-java client and a stand-in
 * OpenAI server that never answers or stalls, model calls on a real pool of two threads, and the deadlines
 * on a clock the test moves (a delay notice at 3 s without a fragment, 10 s to the first fragment, 60 s for
 * the whole answer). The client's own timeout is minutes, so only the deadlines end a call.
 */
class ReplyDeadlinesTest {

    static final Duration CHECK = Duration.ofMillis(5);
    static final ReplyProcessor.Deadlines DEADLINES =
            new ReplyProcessor.Deadlines(Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(60));
    static final Persona PERSONA = new Persona("Bella's Salon", "Tue-Sat 9am-6pm", List.of("haircuts"), "warm", "");

    @TempDir
    Path stateDir;

    final StandInOpenAi openAi = new StandInOpenAi();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    final RecordingSink sink = new RecordingSink();
    final List<ChatReplyDelta> deltas = sink.deltas;
    final ThreadPoolExecutor modelCalls =
            new ThreadPoolExecutor(2, 2, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
    final OpenAiLlmClient client = new OpenAiLlmClient(
            openAi.baseUrl(),
            "sk-test",
            "gpt-test",
            Duration.ofMinutes(5),
            Retry.of("llm", OpenAiLlmClient.retryConfig(2)),
            200,
            2);
    CircuitBreaker breaker;
    TopologyTestDriver driver;
    TestInputTopic<String, SpecificRecordBase> screened;
    TestOutputTopic<String, SpecificRecordBase> replies;

    /** @param breakerFailures failures in a row that open the circuit */
    void start(int breakerFailures) {
        breaker = new CircuitBreaker(breakerFailures, Duration.ofSeconds(30), clock);
        ReplyComposer composer = new ReplyComposer(PERSONA, Optional.of(client), breaker, clock);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "reply-deadlines-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(
                ReplyTopology.build(
                        composer,
                        sink,
                        modelCalls,
                        new EagerCommits(Duration.ofMillis(20)),
                        new ReplyProcessor.ChatSettingsView(20, 200, CHECK, DEADLINES, Duration.ZERO),
                        clock,
                        new UnansweredMessages(),
                        RecordTracing.noop()),
                props);
        screened = driver.createInputTopic(
                Topics.CHAT_SCREENED.name(),
                Topics.CHAT_SCREENED.keySerde().serializer(),
                Topics.CHAT_SCREENED.valueSerde().serializer());
        replies = driver.createOutputTopic(
                Topics.CHAT_REPLIES.name(),
                Topics.CHAT_REPLIES.keySerde().deserializer(),
                Topics.CHAT_REPLIES.valueSerde().deserializer());
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        modelCalls.shutdownNow();
        client.close();
        openAi.close();
    }

    @Test
    void aModelThatNeverAnswersIsGivenUpAtTheFirstTokenDeadlineForAnOfflineAnswer() {
        start(5);
        openAi.byDefault(hang());
        ChatMessageScreened m = message(UUID.randomUUID(), "when do you open?");
        send(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        after(Duration.ofSeconds(9));
        assertThat(replies.isEmpty()).isTrue();
        after(Duration.ofSeconds(1));

        ChatReplyProduced reply = onlyReply();
        assertThat(reply.getInReplyToMessageId()).isEqualTo(m.getMessageId());
        assertThat(reply.getDegraded()).isTrue();
        assertThat(reply.getModel()).isNull();
        assertThat(reply.getText()).contains("Tue-Sat 9am-6pm");
        await().atMost(Duration.ofSeconds(10))
                .alias("the hung call is abandoned and its thread free")
                .until(() -> modelCalls.getActiveCount() == 0);
        assertThat(openAi.requests()).as("and not retried").hasSize(1);
    }

    @Test
    void theClientIsToldOnceThatAReplyIsDelayedWhileTheModelHasWrittenNothing() {
        start(5);
        openAi.byDefault(hang());
        ChatMessageScreened m = message(UUID.randomUUID(), "when do you open?");
        send(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        after(Duration.ofMillis(2_900));
        assertThat(sink.delays).isEmpty();
        after(Duration.ofMillis(100));
        after(Duration.ofSeconds(3));

        assertThat(sink.delays).singleElement().satisfies(delayed -> {
            assertThat(delayed.getReason()).isEqualTo(ChatReplyDelayReason.MODEL_SLOW);
            assertThat(delayed.getWaitedMs()).isEqualTo(3_000);
            assertThat(delayed.getInReplyToMessageId()).isEqualTo(m.getMessageId());
            assertThat(delayed.getSessionId()).isEqualTo(m.getSessionId());
        });
        after(Duration.ofSeconds(4));
        assertThat(onlyReply().getReplyId())
                .as("the reply it announced")
                .isEqualTo(sink.delays.getFirst().getReplyId());
    }

    @Test
    void aModelThatStartsWritingInTimeGivesNoDelayNotice() {
        start(5);
        openAi.then(stallAfter("We open ", 600_000, "at 9."));
        send(message(UUID.randomUUID(), "when do you open?"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deltas.size() == 1);

        after(Duration.ofSeconds(5));

        assertThat(sink.delays).isEmpty();
    }

    @Test
    void aStreamThatStartsButWritesNothingIsGivenUpAndClosed() {
        start(5);
        openAi.byDefault(stall(600_000, "far too late"));
        send(message(UUID.randomUUID(), "are you open today?"));
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        after(Duration.ofSeconds(10));

        assertThat(onlyReply().getDegraded()).isTrue();
        await().atMost(Duration.ofSeconds(10))
                .alias("the server sees the client go")
                .until(() -> openAi.clientsGone() == 1);
    }

    @Test
    void anAnswerThatStopsHalfwayIsGivenUpAtTheWholeAnswerDeadline() {
        start(5);
        openAi.then(stallAfter("We open ", 600_000, "at 9."));
        send(message(UUID.randomUUID(), "when do you open?"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deltas.size() == 1);

        after(Duration.ofSeconds(30));
        assertThat(replies.isEmpty()).as("the first fragment came in time").isTrue();
        after(Duration.ofSeconds(30));

        ChatReplyProduced reply = onlyReply();
        assertThat(reply.getDegraded()).isTrue();
        assertThat(reply.getText()).contains("Tue-Sat 9am-6pm");
        assertThat(reply.getDeltaCount()).isEqualTo(2);
        assertThat(deltas).extracting(ChatReplyDelta::getDelta).containsExactly("We open ", reply.getText());
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.clientsGone() == 1);
    }

    @Test
    void timeoutsOpenTheCircuitAndMessagesWaitingForACallThreadAreAnsweredOfflineAtOnce() {
        start(2);
        openAi.byDefault(hang());
        ChatMessageScreened first = message(UUID.randomUUID(), "hello?");
        ChatMessageScreened second = message(UUID.randomUUID(), "anyone there?");
        send(first);
        send(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 2);
        after(Duration.ofSeconds(5));
        ChatMessageScreened queued = message(UUID.randomUUID(), "how much is a haircut?");
        send(queued);
        assertThat(modelCalls.getQueue())
                .as("both model-call threads are held by hung calls")
                .hasSize(1);

        after(Duration.ofSeconds(5)); // the first two reach their deadline; the queued one has 5 s to go

        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        List<ChatReplyProduced> all = allReplies();
        assertThat(all)
                .extracting(ChatReplyProduced::getInReplyToMessageId)
                .containsExactlyInAnyOrder(first.getMessageId(), second.getMessageId(), queued.getMessageId());
        assertThat(all).allMatch(ChatReplyProduced::getDegraded);
        assertThat(all)
                .filteredOn(r -> r.getInReplyToMessageId().equals(queued.getMessageId()))
                .singleElement()
                .satisfies(r -> assertThat(r.getText()).contains("can't quote prices"));

        ChatMessageScreened later = message(UUID.randomUUID(), "are you open on Saturday?");
        send(later);
        assertThat(onlyReply().getInReplyToMessageId())
                .as("answered offline on the spot while the circuit is open")
                .isEqualTo(later.getMessageId());
        assertThat(openAi.requests())
                .as("only the two calls that timed out reached the model")
                .hasSize(2);
    }

    @Test
    void aSessionsNextMessageWaitsForTheOneAheadOnlyUntilThatOnesDeadline() {
        start(5);
        openAi.byDefault(hang());
        UUID session = UUID.randomUUID();
        ChatMessageScreened first = message(session, "hello?");
        ChatMessageScreened second = message(session, "can I book for Friday?");
        send(first);
        send(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        after(Duration.ofSeconds(10));
        assertThat(onlyReply().getInReplyToMessageId()).isEqualTo(first.getMessageId());
        await().atMost(Duration.ofSeconds(10))
                .alias("the next message's call begins")
                .until(() -> openAi.requests().size() == 2);
        after(Duration.ofSeconds(10));

        ChatReplyProduced reply = onlyReply();
        assertThat(reply.getInReplyToMessageId()).isEqualTo(second.getMessageId());
        assertThat(reply.getDegraded()).isTrue();
    }

    @Test
    void aSessionsNextMessageIsAnsweredOfflineAtOnceWhenTheTimeoutAheadOpenedTheCircuit() {
        start(1);
        openAi.byDefault(hang());
        UUID session = UUID.randomUUID();
        ChatMessageScreened first = message(session, "hello?");
        ChatMessageScreened second = message(session, "can I book for Friday?");
        send(first);
        send(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        after(Duration.ofSeconds(10));

        assertThat(allReplies())
                .extracting(ChatReplyProduced::getInReplyToMessageId)
                .containsExactly(first.getMessageId(), second.getMessageId());
        assertThat(openAi.requests()).hasSize(1);
    }

    /** Time passes, and the stream thread makes its next check. */
    private void after(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(CHECK);
    }

    private void send(ChatMessageScreened m) {
        screened.pipeInput(m.getSessionId().toString(), m);
    }

    private List<ChatReplyProduced> allReplies() {
        return replies.readValuesToList().stream()
                .map(r -> (ChatReplyProduced) r)
                .toList();
    }

    private ChatReplyProduced onlyReply() {
        List<ChatReplyProduced> all = allReplies();
        assertThat(all).hasSize(1);
        return all.getFirst();
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
