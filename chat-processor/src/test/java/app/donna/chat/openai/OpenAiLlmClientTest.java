package app.donna.chat.openai;

import static app.donna.localinfra.StandInOpenAi.answer;
import static app.donna.localinfra.StandInOpenAi.delay;
import static app.donna.localinfra.StandInOpenAi.fail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.Turn;
import app.donna.localinfra.StandInOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real openai-java client against a stand-in server speaking the real protocol. */
class OpenAiLlmClientTest {

    final StandInOpenAi openAi = new StandInOpenAi();
    final OpenAiLlmClient client = new OpenAiLlmClient(openAi.baseUrl(), "sk-test", "gpt-test",
            Duration.ofMillis(1500), 2, 200, 5);

    @AfterEach
    void tearDown() {
        client.close();
        openAi.close();
    }

    @Test
    void streamsTheAnswerPieceByPieceAndReportsUsage() {
        openAi.then(answer("We are ", "open ", "until 6pm."));
        List<String> deltas = new ArrayList<>();

        LlmClient.Completion c = client.complete("You are Donna.",
                List.of(new Turn(Turn.Role.USER, "hi"), new Turn(Turn.Role.ASSISTANT, "Hello!"),
                        new Turn(Turn.Role.USER, "when do you close?")), deltas::add);

        assertThat(deltas).containsExactly("We are ", "open ", "until 6pm.");
        assertThat(c.text()).isEqualTo("We are open until 6pm.");
        assertThat(c.model()).isEqualTo("gpt-standin");
        assertThat(c.inputTokens()).isEqualTo(42);
        assertThat(c.outputTokens()).isEqualTo(3);
        String request = openAi.requests().getFirst();
        assertThat(request).contains("\"model\":\"gpt-test\"").contains("\"stream\":true")
                .contains("You are Donna.").contains("when do you close?").contains("\"role\":\"assistant\"");
    }

    @Test
    void retriesA500AndA429WithRetryAfterThenAnswers() {
        openAi.then(fail(500), fail(429, 1), answer("fine now"));

        LlmClient.Completion c = client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> { });

        assertThat(c.text()).isEqualTo("fine now");
        assertThat(openAi.requests()).hasSize(3);
    }

    @Test
    void givesUpAfterItsRetries() {
        openAi.byDefault(fail(503));

        assertThatThrownBy(() -> client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> { }))
                .isInstanceOf(LlmClient.LlmUnavailableException.class);
        assertThat(openAi.requests()).hasSize(3);
    }

    @Test
    void aModelThatDoesNotAnswerInTimeIsUnavailable() {
        openAi.byDefault(delay(5_000, answer("too late")));

        assertThatThrownBy(() -> client.complete("sys", List.of(new Turn(Turn.Role.USER, "hi")), d -> { }))
                .isInstanceOf(LlmClient.LlmUnavailableException.class);
    }
}
