package app.donna.chat.reply;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.platform.persona.ReceptionistTools;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A chat customer leaves a message or asks for a booking: through the model's tool calls, or offline. */
class ReplyToolsTest {

    final Clock clock = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);

    /** A model that answers each call with the next scripted completion (streaming its text) and keeps the prompts. */
    static final class ToolModel implements LlmClient {
        final Deque<Object> script = new ArrayDeque<>();
        final List<Prompt> prompts = new ArrayList<>();

        ToolModel then(Object completionOrFailure) {
            script.add(completionOrFailure);
            return this;
        }

        @Override
        public Completion complete(Prompt prompt, Consumer<String> onDelta, Cancellation cancellation) {
            prompts.add(prompt);
            Object next = script.poll();
            if (next == null || next instanceof RuntimeException) {
                throw new LlmUnavailableException("down", (RuntimeException) next);
            }
            Completion c = (Completion) next;
            if (!c.text().isEmpty()) {
                onDelta.accept(c.text());
            }
            return c;
        }
    }

    static LlmClient.Completion calls(String text, LlmClient.ToolCall... calls) {
        return new LlmClient.Completion(text, "gpt-x", 100, 10, List.of(calls));
    }

    static LlmClient.Completion says(String text) {
        return new LlmClient.Completion(text, "gpt-x", 120, 20);
    }

    static final LlmClient.ToolCall TAKE_MESSAGE = new LlmClient.ToolCall(
            "call_1",
            "take_message",
            "{\"caller_name\":\"Ann Lee\",\"callback_number\":\"07700 900123\",\"message\":\"Is my coat there?\"}");

    private ReplyComposer composer(ToolModel model) {
        return new ReplyComposer(
                ReplyComposerTest.PERSONA,
                Optional.of(model),
                new CircuitBreaker(5, Duration.ofSeconds(30), clock),
                clock);
    }

    @Test
    void aToolCallIsTakenAndTheModelIsAskedAgainWithItsOutput() {
        ToolModel model =
                new ToolModel().then(calls("One moment.", TAKE_MESSAGE)).then(says("Done: the team will call you."));
        List<String> deltas = new ArrayList<>();
        RequestsTaken requests = new RequestsTaken();

        ReplyComposer.Reply reply = composer(model)
                .compose("Please take a message", false, List.of(), deltas::add, new Cancellation(), requests);

        assertThat(reply.degraded()).isFalse();
        assertThat(reply.text()).isEqualTo("One moment. Done: the team will call you.");
        assertThat(String.join("", deltas))
                .as("what the customer saw is the reply")
                .isEqualTo(reply.text());
        assertThat(reply.requests())
                .containsExactly(new RequestsTaken.Request(
                        "secretary.take_message",
                        "secretary",
                        Map.of(
                                "caller_name", "Ann Lee",
                                "callback_number", "07700 900123",
                                "message", "Is my coat there?")));
        assertThat(reply.inputTokens()).as("both calls counted").isEqualTo(220);
        assertThat(reply.outputTokens()).isEqualTo(30);
        assertThat(model.prompts.get(0).tools()).isEqualTo(ReceptionistTools.CHAT);
        assertThat(model.prompts.get(0).instructions()).contains("take_message").contains("request_booking");
        LlmClient.ToolRound round = model.prompts.get(1).rounds().getFirst();
        assertThat(round.calls()).containsExactly(TAKE_MESSAGE);
        assertThat(round.outputs().getFirst()).contains("\"status\":\"passed_on\"");
    }

    @Test
    void aCallMissingWhatTheToolNeedsTakesNothingAndTellsTheModelWhatToAskFor() {
        LlmClient.ToolCall noName = new LlmClient.ToolCall("call_2", "take_message", "{\"message\":\"call me\"}");
        LlmClient.ToolCall notJson = new LlmClient.ToolCall("call_3", "request_booking", "{\"service\":");
        LlmClient.ToolCall unknown = new LlmClient.ToolCall("call_4", "transfer_money", "{}");
        LlmClient.ToolCall notOffered = new LlmClient.ToolCall("call_5", "transfer_to_human", "{\"reason\":\"x\"}");
        ToolModel model = new ToolModel()
                .then(calls("", noName, notJson, unknown, notOffered))
                .then(says("May I have your name?"));

        ReplyComposer.Reply reply =
                composer(model).compose("call me", false, List.of(), d -> {}, new Cancellation(), new RequestsTaken());

        assertThat(reply.requests()).isEmpty();
        assertThat(reply.text()).isEqualTo("May I have your name?");
        List<String> outputs = model.prompts.get(1).rounds().getFirst().outputs();
        assertThat(outputs.get(0)).contains("invalid").contains("caller_name");
        assertThat(outputs.get(1)).contains("invalid");
        assertThat(outputs.get(2)).contains("invalid").contains("no tool called transfer_money");
        assertThat(outputs.get(3))
                .as("a call's tool, not offered in a chat")
                .contains("invalid")
                .contains("no tool called transfer_to_human");
    }

    @Test
    void aModelThatKeepsCallingToolsIsAskedWithoutToolsInTheEnd() {
        ToolModel model = new ToolModel()
                .then(calls("", TAKE_MESSAGE))
                .then(calls("", TAKE_MESSAGE))
                .then(says("Your message is with the team."));

        ReplyComposer.Reply reply = composer(model)
                .compose("take a message", false, List.of(), d -> {}, new Cancellation(), new RequestsTaken());

        assertThat(model.prompts).hasSize(ReplyComposer.MAX_TOOL_ROUNDS + 1);
        assertThat(model.prompts.getLast().tools()).isEmpty();
        assertThat(reply.requests()).as("the same request twice is taken once").hasSize(1);
        assertThat(reply.text()).isEqualTo("Your message is with the team.");
    }

    @Test
    void whenTheModelFailsAfterTakingARequestTheRequestStillGoesAndTheOfflineAnswerConfirmsIt() {
        ToolModel model = new ToolModel().then(calls("", TAKE_MESSAGE)).then(new IllegalStateException("503"));

        ReplyComposer.Reply reply = composer(model)
                .compose("take a message", false, List.of(), d -> {}, new Cancellation(), new RequestsTaken());

        assertThat(reply.degraded()).isTrue();
        assertThat(reply.requests()).hasSize(1);
        assertThat(reply.text()).contains("passed your request on").doesNotContain("leave your");
    }

    @Test
    void whenTheModelRanOutOfTimeTheRequestsItTookStillGo() {
        ToolModel model = new ToolModel();
        RequestsTaken requests = new RequestsTaken();
        requests.answer(TAKE_MESSAGE); // taken by the model's call before the deadline passed

        ReplyComposer.Reply reply =
                composer(model).timedOut("take a message", List.of(), true, "test", d -> {}, requests);

        assertThat(reply.requests()).hasSize(1);
        assertThat(reply.text()).contains("passed your request on");
    }

    @Test
    void offlineAMessageThatSaysHowToReachTheCustomerIsPassedOn() {
        ReplyComposer offline = new ReplyComposer(
                ReplyComposerTest.PERSONA,
                Optional.empty(),
                new CircuitBreaker(5, Duration.ofSeconds(30), clock),
                clock);
        List<Turn> askedToBook = List.of(
                new Turn(Turn.Role.USER, "Can I book a haircut on Friday afternoon?"),
                new Turn(Turn.Role.ASSISTANT, "Please leave your name and your phone number."));

        ReplyComposer.Reply reply = offline.compose(
                "I'm Ann, 07700 900123", false, askedToBook, d -> {}, new Cancellation(), new RequestsTaken());

        assertThat(reply.degraded()).isTrue();
        assertThat(reply.text()).startsWith("Thank you, Ann.").contains("booking request");
        RequestsTaken.Request booking = reply.requests().getFirst();
        assertThat(booking.kind()).isEqualTo("bookings.request_booking");
        assertThat(booking.details())
                .containsEntry("caller_name", "Ann")
                .containsEntry("contact", "07700 900123")
                .containsEntry("service", "Can I book a haircut on Friday afternoon?\nI'm Ann, 07700 900123");
    }
}
