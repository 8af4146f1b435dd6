package app.donna.chat.openai;

import static app.donna.localinfra.StandInOpenAi.answer;
import static app.donna.localinfra.StandInOpenAi.delay;
import static app.donna.localinfra.StandInOpenAi.fail;
import static app.donna.localinfra.StandInOpenAi.hang;
import static app.donna.localinfra.StandInOpenAi.paced;
import static app.donna.localinfra.StandInOpenAi.stall;
import static app.donna.localinfra.StandInOpenAi.stallAfter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import app.donna.chat.reply.Cancellation;
import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.Turn;
import app.donna.localinfra.StandInOpenAi;
import app.donna.platform.persona.ReceptionistTools;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real openai-java client against a stand-in server speaking the real protocol. */
class OpenAiLlmClientTest {

    final StandInOpenAi openAi = new StandInOpenAi();
    final Retry retry = Retry.of("llm", OpenAiLlmClient.retryConfig(2));
    final OpenAiLlmClient client =
            new OpenAiLlmClient(openAi.baseUrl(), "sk-test", "gpt-test", Duration.ofMillis(1500), retry, 200, 5);
    /** One whose own timeout never comes into it. */
    final OpenAiLlmClient patient = new OpenAiLlmClient(
            openAi.baseUrl(),
            "sk-test",
            "gpt-test",
            Duration.ofMinutes(5),
            Retry.of("llm", OpenAiLlmClient.retryConfig(2)),
            200,
            5);

    @AfterEach
    void tearDown() {
        client.close();
        patient.close();
        openAi.close();
    }

    @Test
    void aStreamedToolCallIsPutTogetherAndItsOutputGoesBackWithTheToolsDeclared() {
        String arguments = "{\"caller_name\":\"Ann Lee\",\"callback_number\":\"07700 900123\","
                + "\"message\":\"Is my coat there?\"}";
        openAi.whenAsked("my coat", StandInOpenAi.callTool("take_message", arguments, answer("Passed ", "on.")));
        List<Turn> context = List.of(new Turn(Turn.Role.USER, "please tell them about my coat"));

        LlmClient.Completion first = client.complete(
                new LlmClient.Prompt("You are Donna.", context, ReceptionistTools.CHAT, List.of()),
                d -> {},
                new Cancellation());

        assertThat(first.text()).isEmpty();
        assertThat(first.toolCalls()).hasSize(1);
        LlmClient.ToolCall call = first.toolCalls().getFirst();
        assertThat(call.id()).startsWith("call_");
        assertThat(call.name()).isEqualTo("take_message");
        assertThat(call.argumentsJson()).as("put together from its pieces").isEqualTo(arguments);
        String declared = openAi.requests().getFirst();
        assertThat(declared)
                .contains("\"tools\":[")
                .contains("\"name\":\"take_message\"")
                .contains("\"name\":\"request_booking\"")
                .doesNotContain("transfer_to_human")
                .contains("\"required\":[\"caller_name\",\"message\"]");

        List<String> deltas = new ArrayList<>();
        LlmClient.Completion second = client.complete(
                new LlmClient.Prompt(
                        "You are Donna.",
                        context,
                        List.of(),
                        List.of(new LlmClient.ToolRound("", List.of(call), List.of("{\"status\":\"passed_on\"}")))),
                deltas::add,
                new Cancellation());

        assertThat(second.toolCalls()).isEmpty();
        assertThat(deltas).containsExactly("Passed ", "on.");
        String answered = openAi.requests().getLast();
        assertThat(answered)
                .contains("\"tool_calls\":[{\"id\":\"" + call.id() + "\"")
                .contains("\"role\":\"tool\"")
                .contains("passed_on")
                .doesNotContain("\"tools\":");
    }

    @Test
    void streamsTheAnswerPieceByPieceAndReportsUsage() {
        openAi.then(answer("We are ", "open ", "until 6pm."));
        List<String> deltas = new ArrayList<>();

        LlmClient.Completion c = client.complete(
                "You are Donna.",
                List.of(
                        new Turn(Turn.Role.USER, "hi"),
                        new Turn(Turn.Role.ASSISTANT, "Hello!"),
                        new Turn(Turn.Role.USER, "when do you close?")),
                deltas::add,
                new Cancellation());

        assertThat(deltas).containsExactly("We are ", "open ", "until 6pm.");
        assertThat(c.text()).isEqualTo("We are open until 6pm.");
        assertThat(c.model()).isEqualTo("gpt-standin");
        assertThat(c.inputTokens()).isEqualTo(42);
        assertThat(c.outputTokens()).isEqualTo(3);
        String request = openAi.requests().getFirst();
        assertThat(request)
                .contains("\"model\":\"gpt-test\"")
                .contains("\"stream\":true")
                .contains("You are Donna.")
                .contains("when do you close?")
                .contains("\"role\":\"assistant\"");
    }

    /**
     * The paced stand-in of {@code donna bench chat --model-first-token-ms}: no piece before its time
     * (only lower bounds are asserted; how late a busy machine is belongs to the bench, not a test).
     */
    @Test
    void aPacedModelWritesItsFirstTokenAfterTheDelayAndTheRestAtItsRate() {
        openAi.then(paced(300, 50, 6));
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();

        LlmClient.Completion c = patient.complete(
                "sys",
                List.of(new Turn(Turn.Role.USER, "hi")),
                d -> arrivals.add((System.nanoTime() - start) / 1_000_000),
                new Cancellation());

        assertThat(c.text()).isEqualTo("word ".repeat(6));
        assertThat(c.outputTokens()).isEqualTo(6);
        assertThat(arrivals).hasSize(6);
        assertThat(arrivals.getFirst()).isGreaterThanOrEqualTo(300);
        // 50 tokens a second: the sixth is due five intervals of 20 ms after the first
        assertThat(arrivals.getLast()).isGreaterThanOrEqualTo(300 + 5 * 20);
    }

    @Test
    void retriesA500AndA429WithRetryAfterThenAnswers() {
        openAi.then(fail(500), fail(429, 1), answer("fine now"));

        LlmClient.Completion c =
                client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, new Cancellation());

        assertThat(c.text()).isEqualTo("fine now");
        assertThat(openAi.requests()).hasSize(3);
        assertThat(retry.getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt())
                .isEqualTo(1);
    }

    /** A retry would stream the answer again from its start: the browser would show "We are " twice. */
    @Test
    void aStreamThatBreaksOffAfterAFragmentIsNotRetried() {
        openAi.then(stallAfter("We are ", 5_000, "open.")).byDefault(answer("We are ", "open."));
        List<String> deltas = new ArrayList<>();

        assertThatThrownBy(() -> client.complete(
                        "sys", List.of(new Turn(Turn.Role.USER, "hi")), deltas::add, new Cancellation()))
                .isInstanceOf(LlmClient.LlmUnavailableException.class)
                .hasMessageContaining("broke off after its first fragments");
        assertThat(deltas).containsExactly("We are ");
        assertThat(openAi.requests()).hasSize(1);
        assertThat(retry.getMetrics().getNumberOfFailedCallsWithoutRetryAttempt())
                .isEqualTo(1);
    }

    @Test
    void aStreamThatWritesNothingWithinTheAttemptTimeoutIsTriedAgain() {
        openAi.then(stall(5_000, "too late")).byDefault(answer("on time"));
        List<String> deltas = new ArrayList<>();

        LlmClient.Completion c =
                client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), deltas::add, new Cancellation());

        assertThat(c.text()).isEqualTo("on time");
        assertThat(deltas).containsExactly("on time");
        assertThat(openAi.requests()).hasSize(2);
    }

    @Test
    void givesUpAfterItsRetries() {
        openAi.byDefault(fail(503));

        assertThatThrownBy(() ->
                        client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, new Cancellation()))
                .isInstanceOf(LlmClient.LlmUnavailableException.class);
        assertThat(openAi.requests()).hasSize(3);
        assertThat(retry.getMetrics().getNumberOfFailedCallsWithRetryAttempt()).isEqualTo(1);
    }

    @Test
    void aStreamThatStartsAndWaitsBeforeItsFirstPieceIsReadPastItsKeepAlives() {
        openAi.then(stall(300, "Sorry for ", "the wait."));

        LlmClient.Completion c =
                client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, new Cancellation());

        assertThat(c.text()).isEqualTo("Sorry for the wait.");
    }

    @Test
    void aCallToAModelThatNeverAnswersReturnsAtOnceWhenCancelledAndIsNotRetried() {
        openAi.byDefault(hang());
        Cancellation cancellation = new Cancellation();
        CompletableFuture<LlmClient.Completion> call = CompletableFuture.supplyAsync(
                () -> patient.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, cancellation));
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        cancellation.cancel();

        assertThat(call)
                .failsWithin(Duration.ofSeconds(10))
                .withThrowableThat()
                .havingCause()
                .isInstanceOf(LlmClient.LlmUnavailableException.class)
                .withMessageStartingWith("cancelled");
        assertThat(openAi.requests()).as("no retry after a cancellation").hasSize(1);
    }

    @Test
    void aCancelledStreamIsClosedAndTheServerSeesTheClientGo() {
        openAi.byDefault(stall(60_000, "too late"));
        List<String> deltas = new CopyOnWriteArrayList<>();
        Cancellation cancellation = new Cancellation();
        CompletableFuture<LlmClient.Completion> call = CompletableFuture.supplyAsync(
                () -> patient.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), deltas::add, cancellation));
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        cancellation.cancel();

        assertThat(call).failsWithin(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.clientsGone() == 1);
        assertThat(deltas).isEmpty();
        assertThat(openAi.requests()).hasSize(1);
    }

    @Test
    void aCancellationEndsTheWaitBeforeARetry() {
        openAi.then(fail(503, 30)).byDefault(answer("too late"));
        Cancellation cancellation = new Cancellation();
        CompletableFuture<LlmClient.Completion> call = CompletableFuture.supplyAsync(
                () -> client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, cancellation));
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.requests().size() == 1);

        cancellation.cancel(); // while the client waits 30 s, as Retry-After asked, to try again

        assertThat(call).failsWithin(Duration.ofSeconds(10));
        assertThat(openAi.requests()).hasSize(1);
    }

    @Test
    void aCallCancelledBeforeItStartsIsNotMade() {
        Cancellation cancellation = new Cancellation();
        cancellation.cancel();

        assertThatThrownBy(() -> client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, cancellation))
                .isInstanceOf(LlmClient.LlmUnavailableException.class);
        assertThat(openAi.requests()).isEmpty();
    }

    @Test
    void aModelThatDoesNotAnswerInTimeIsUnavailable() {
        openAi.byDefault(delay(5_000, answer("too late")));

        assertThatThrownBy(() ->
                        client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> {}, new Cancellation()))
                .isInstanceOf(LlmClient.LlmUnavailableException.class);
    }
}
