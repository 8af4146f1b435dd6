package app.donna.chat.stream;

import app.donna.platform.settings.PersonaSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How chat is answered ({@code donna.chat.*}).
 *
 * @param llm          the model; without an API key the offline responder answers everything
 * @param persona      who the receptionist works for
 * @param maxContextTurns  turns of the session shown to the model
 * @param rememberedMessageIds answered message ids kept per session for deduplication
 * @param applicationId the Kafka Streams application id
 * @param stateDir     local state folder (blank: the temp folder)
 * @param threads      stream threads; they take messages in and hand answers on, while the model calls
 *                     run on their own threads ({@code llm.max-concurrent-calls})
 * @param completionCheck how often a stream thread looks for finished answers; also the longest it waits
 *                     for new messages before looking again, so it bounds what an answer waits to be sent
 * @param stalledAfter a message that has waited this long for its answer marks health DOWN: answers are
 *                     sent within the model's deadlines, so this means a task that stopped answering
 * @param fragmentInterval the least time between two ChatReplyDelta records (and SSE {@code delta} events)
 *                     of one answer: the first fragment goes at once, those the model streams within this
 *                     time of the last record are joined into the next ({@link AnswerFragments}); 0 writes
 *                     each fragment on its own
 */
@Validated
@ConfigurationProperties("donna.chat")
public record ChatSettings(
        @Valid @NotNull @DefaultValue Llm llm,
        @Valid @NotNull @DefaultValue PersonaSettings persona,
        @Min(0) @DefaultValue("20") int maxContextTurns,
        @Min(1) @DefaultValue("200") int rememberedMessageIds,
        @NotBlank @DefaultValue("donna-chat-processor") String applicationId,
        @DefaultValue("") String stateDir,
        @Min(1) @DefaultValue("1") int threads,
        @NotNull @DefaultValue("5ms") Duration completionCheck,
        @NotNull @DefaultValue("120s") Duration stalledAfter,
        @NotNull @DefaultValue("50ms") Duration fragmentInterval) {

    /**
     * @param baseUrl         any OpenAI-compatible server
     * @param apiKey          blank: no model calls, offline answers only
     * @param model           the chat model
     * @param timeout         per attempt of the client, connect to last byte: a backstop, as the deadlines
     *                        below end a call sooner
     * @param maxRetries      attempts after the first, with backoff honouring Retry-After (429, 5xx, timeouts),
     *                        never once the attempt streamed a fragment (Resilience4j, OpenAiLlmClient)
     * @param maxOutputTokens longest answer
     * @param breakerFailures failures in a row that open the circuit
     * @param breakerOpenFor  how long the circuit stays open before a trial call
     * @param maxConcurrentCalls model calls in flight at once, across all sessions; more wait their turn
     * @param firstTokenTimeout  an answer without the model's first fragment this long after it began
     *                           (including any wait for a free call) is given up: the call is cancelled,
     *                           the offline responder answers, degraded, and the circuit breaker counts a
     *                           failure
     * @param answerTimeout      the same for the whole answer
     * @param slowNotice         an answer without the model's first fragment this long after it began gets
     *                           a ChatReplyDelayed, which browsers see as an SSE {@code status} event; at or
     *                           past {@code firstTokenTimeout}, none is sent
     */
    public record Llm(
            @NotBlank @DefaultValue("https://api.openai.com/v1")
            String baseUrl,

            @DefaultValue("") String apiKey,
            @NotBlank @DefaultValue("gpt-4o-mini") String model,
            @NotNull @DefaultValue("20s") Duration timeout,
            @Min(0) @DefaultValue("2") int maxRetries,
            @Min(1) @DefaultValue("300") long maxOutputTokens,
            @Min(1) @DefaultValue("5") int breakerFailures,
            @NotNull @DefaultValue("30s") Duration breakerOpenFor,
            @Min(1) @DefaultValue("32") int maxConcurrentCalls,
            @NotNull @DefaultValue("10s") Duration firstTokenTimeout,
            @NotNull @DefaultValue("60s") Duration answerTimeout,
            @NotNull @DefaultValue("3s") Duration slowNotice) {

        public boolean configured() {
            return !apiKey.isBlank();
        }

        @AssertTrue(message = "first-token-timeout must be positive and no longer than answer-timeout")
        public boolean isFirstTokenWithinAnswerTimeout() {
            return firstTokenTimeout == null
                    || answerTimeout == null
                    || (firstTokenTimeout.isPositive() && firstTokenTimeout.compareTo(answerTimeout) <= 0);
        }
    }

    @AssertTrue(message = "fragment-interval must not be negative")
    public boolean isFragmentIntervalNotNegative() {
        return fragmentInterval == null || !fragmentInterval.isNegative();
    }

    @AssertTrue(message = "stalled-after must be longer than llm.answer-timeout: every answer is due by then")
    public boolean isStalledAfterBeyondTheAnswerTimeout() {
        return llm == null
                || llm.answerTimeout() == null
                || stalledAfter == null
                || stalledAfter.compareTo(llm.answerTimeout()) > 0;
    }

    public Path stateDirectory() {
        return stateDir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "donna-chat-processor")
                : Path.of(stateDir);
    }
}
