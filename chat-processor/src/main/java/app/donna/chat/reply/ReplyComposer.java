package app.donna.chat.reply;

import app.donna.platform.persona.Persona;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a screened message is answered: a blocked message gets the fixed refusal and no model
 * call; otherwise the model answers with the persona and the session's recent turns, streaming its
 * fragments; when there is no model, the circuit is open, or the model fails or does not answer in time,
 * the offline responder answers and the reply is marked degraded. Failures and timeouts of calls that
 * reached the model count towards opening the circuit. Never an empty reply.
 */
public final class ReplyComposer {

    private static final Logger log = LoggerFactory.getLogger(ReplyComposer.class);

    public static final String REFUSAL = "I'm sorry, but I can't help with that message. If you have a question "
            + "about our services or opening hours, I'm happy to help.";

    /** A reply and how it was made. */
    public record Reply(
            String text,
            boolean degraded,
            boolean refused,
            Optional<String> model,
            long inputTokens,
            long outputTokens,
            Optional<Long> llmLatencyMs) {}

    private final Persona persona;
    private final Optional<LlmClient> llm;
    private final OfflineResponder offline;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final ReplyMetrics metrics;

    public ReplyComposer(Persona persona, Optional<LlmClient> llm, CircuitBreaker breaker, Clock clock) {
        this(persona, llm, breaker, clock, ReplyMetrics.none());
    }

    public ReplyComposer(
            Persona persona, Optional<LlmClient> llm, CircuitBreaker breaker, Clock clock, ReplyMetrics metrics) {
        this.persona = persona;
        this.llm = llm;
        this.offline = new OfflineResponder(persona);
        this.breaker = breaker;
        this.clock = clock;
        this.metrics = metrics;
    }

    public Reply compose(String question, boolean blocked, List<Turn> context, Consumer<String> onDelta) {
        return compose(question, blocked, context, onDelta, new Cancellation());
    }

    /**
     * @param cancellation abandons the model call from another thread; whoever cancels accounts for the
     *                     call (a timeout is a failure, a shutdown is nothing), so a cancelled call is not
     *                     counted here, and is answered offline
     */
    public Reply compose(
            String question, boolean blocked, List<Turn> context, Consumer<String> onDelta, Cancellation cancellation) {
        if (blocked) {
            metrics.reply(ReplyMetrics.Source.REFUSAL);
            return new Reply(REFUSAL, false, true, Optional.empty(), 0, 0, Optional.empty());
        }
        if (llm.isPresent() && breaker.allowsCall()) {
            List<Turn> turns = new ArrayList<>(context);
            turns.add(new Turn(Turn.Role.USER, question));
            long start = clock.millis();
            long startNanos = System.nanoTime();
            boolean[] fragmentSeen = {false};
            Consumer<String> timedOnDelta = fragment -> {
                if (!fragmentSeen[0]) {
                    fragmentSeen[0] = true;
                    metrics.firstFragment(Duration.ofNanos(System.nanoTime() - startNanos));
                }
                onDelta.accept(fragment);
            };
            try {
                LlmClient.Completion c = llm.get().complete(persona.systemPrompt(), turns, timedOnDelta, cancellation);
                if (c.text() == null || c.text().isBlank()) {
                    throw new LlmClient.LlmUnavailableException("the model returned an empty answer", null);
                }
                breaker.recordSuccess();
                metrics.call(ReplyMetrics.Outcome.ANSWERED, Duration.ofNanos(System.nanoTime() - startNanos));
                metrics.tokens(c.inputTokens(), c.outputTokens());
                metrics.reply(ReplyMetrics.Source.MODEL);
                return new Reply(
                        c.text(),
                        false,
                        false,
                        Optional.ofNullable(c.model()),
                        c.inputTokens(),
                        c.outputTokens(),
                        Optional.of(clock.millis() - start));
            } catch (LlmClient.LlmUnavailableException e) {
                boolean cancelled = cancellation.isCancelled();
                metrics.call(
                        cancelled ? ReplyMetrics.Outcome.CANCELLED : ReplyMetrics.Outcome.FAILED,
                        Duration.ofNanos(System.nanoTime() - startNanos));
                if (cancelled) {
                    breaker.recordAbandoned();
                } else {
                    breaker.recordFailure();
                    log.error("LLM unavailable; answering offline. Circuit: {}", breaker.state(), e);
                }
            }
        }
        return offlineAnswer(question, onDelta);
    }

    /**
     * Whether an answer begun now would come from the offline responder without asking the model: there is
     * none, or the circuit is open (or half-open with its one trial call under way).
     */
    /**
     * A call's recap for the business ({@link CallRecap}): the model's, when there is one and the circuit
     * lets it be asked; empty otherwise, or when it fails (the caller then writes an extractive one).
     */
    public Optional<String> recap(List<CallRecap.Line> lines, List<String> requestsTaken) {
        if (llm.isEmpty() || !breaker.allowsCall()) {
            return Optional.empty();
        }
        try {
            LlmClient.Completion completion = llm.get()
                    .complete(
                            CallRecap.instructions(persona.businessName()),
                            List.of(new Turn(Turn.Role.USER, CallRecap.record(lines, requestsTaken))),
                            delta -> {},
                            new Cancellation());
            breaker.recordSuccess();
            return Optional.of(completion.text().strip()).filter(text -> !text.isEmpty());
        } catch (LlmClient.LlmUnavailableException e) {
            breaker.recordFailure();
            log.warn("The model could not recap a call; an extractive recap goes instead: {}", e.getMessage());
            return Optional.empty();
        }
    }

    public boolean answersOfflineNow() {
        return llm.isEmpty() || breaker.rejectsCalls();
    }

    /**
     * The answer when the model did not answer in time: the offline responder's, degraded. The caller
     * abandons the model call; one that had reached the model counts as a failure to the circuit breaker
     * (one still waiting for a thread to make it does not: the model never saw it).
     *
     * @param why for the log: which message and which deadline
     */
    public Reply timedOut(String question, boolean modelWasCalled, String why, Consumer<String> onDelta) {
        if (modelWasCalled) {
            breaker.recordFailure();
        }
        log.error("The model did not answer in time ({}); answering offline. Circuit: {}", why, breaker.state());
        return offlineAnswer(question, onDelta);
    }

    /** The offline responder's answer, marked degraded: also the answer when composing failed unexpectedly. */
    public Reply offlineAnswer(String question, Consumer<String> onDelta) {
        String text = offline.answer(question);
        metrics.reply(ReplyMetrics.Source.OFFLINE);
        onDelta.accept(text);
        return new Reply(text, true, false, Optional.empty(), 0, 0, Optional.empty());
    }
}
