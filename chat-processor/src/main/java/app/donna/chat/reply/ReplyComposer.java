package app.donna.chat.reply;

import app.donna.platform.budget.TokenBudget;
import app.donna.platform.persona.Persona;
import app.donna.platform.persona.ReceptionistTools;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a screened message is answered: a blocked message gets the fixed refusal and no model
 * call; otherwise the model answers with the persona and the session's recent turns, streaming its
 * fragments; when there is no model, the circuit is open, or the model fails or does not answer in time,
 * the offline responder answers and the reply is marked degraded. Failures and timeouts of calls that
 * reached the model count towards opening the circuit. Never an empty reply.
 *
 * <p>The model may call the chat's receptionist tools ({@link ReceptionistTools#CHAT}: leave a message, ask
 * for a booking); each call is checked and taken into the answer's {@link RequestsTaken}, and the model is
 * asked again with the tools' outputs. The requests go out with the reply, whoever settles it: the model,
 * or the offline responder after the model failed or ran out of time.
 */
public final class ReplyComposer {

    private static final Logger log = LoggerFactory.getLogger(ReplyComposer.class);

    public static final String REFUSAL = "I'm sorry, but I can't help with that message. If you have a question "
            + "about our services or opening hours, I'm happy to help.";

    /**
     * The most tool rounds one answer may take: after them the model is asked without tools, so it
     * answers in words.
     */
    static final int MAX_TOOL_ROUNDS = 2;

    /** A reply, how it was made, and what the customer asked the business for while it was made. */
    public record Reply(
            String text,
            boolean degraded,
            boolean refused,
            Optional<String> model,
            long inputTokens,
            long outputTokens,
            Optional<Long> llmLatencyMs,
            List<RequestsTaken.Request> requests,
            String degradedReason) {
        public Reply {
            requests = List.copyOf(requests);
        }
    }

    /** Why an answer was degraded: what {@code ChatReplyProduced.degradedReason} says. */
    public static final String BUDGET = "budget";

    public static final String NO_MODEL = "no-model";
    public static final String CIRCUIT_OPEN = "circuit-open";
    public static final String MODEL_ERROR = "model-error";
    public static final String TIMEOUT = "timeout";

    private final Function<String, Persona> personas;
    private final String workspaceId;
    private final Optional<LlmClient> llm;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final ReplyMetrics metrics;
    private final TokenBudget budget;

    public ReplyComposer(Persona persona, Optional<LlmClient> llm, CircuitBreaker breaker, Clock clock) {
        this(persona, llm, breaker, clock, ReplyMetrics.none());
    }

    public ReplyComposer(
            Persona persona, Optional<LlmClient> llm, CircuitBreaker breaker, Clock clock, ReplyMetrics metrics) {
        this(workspace -> persona, llm, breaker, clock, metrics);
    }

    /**
     * @param personas each workspace's persona (null: the default workspace's), asked for each answer, so a
     *                 persona an owner changes is used from the next answer on
     */
    public ReplyComposer(
            Function<String, Persona> personas,
            Optional<LlmClient> llm,
            CircuitBreaker breaker,
            Clock clock,
            ReplyMetrics metrics) {
        this(personas, llm, breaker, clock, metrics, TokenBudget.NONE);
    }

    /** @param budget whose daily model budget is spent: they are answered offline until the day ends */
    public ReplyComposer(
            Function<String, Persona> personas,
            Optional<LlmClient> llm,
            CircuitBreaker breaker,
            Clock clock,
            ReplyMetrics metrics,
            TokenBudget budget) {
        this(personas, null, llm, breaker, clock, metrics, budget);
    }

    private ReplyComposer(
            Function<String, Persona> personas,
            String workspaceId,
            Optional<LlmClient> llm,
            CircuitBreaker breaker,
            Clock clock,
            ReplyMetrics metrics,
            TokenBudget budget) {
        this.personas = personas;
        this.workspaceId = workspaceId;
        this.llm = llm;
        this.breaker = breaker;
        this.clock = clock;
        this.metrics = metrics;
        this.budget = budget;
    }

    /**
     * This composer speaking for {@code workspaceId} (null: the default workspace), with the same model,
     * circuit breaker and metrics.
     */
    public ReplyComposer in(String workspaceId) {
        return new ReplyComposer(personas, workspaceId, llm, breaker, clock, metrics, budget);
    }

    private Persona persona() {
        return personas.apply(workspaceId);
    }

    public Reply compose(String question, boolean blocked, List<Turn> context, Consumer<String> onDelta) {
        return compose(question, blocked, context, onDelta, new Cancellation(), new RequestsTaken());
    }

    /**
     * @param cancellation abandons the model call from another thread; whoever cancels accounts for the
     *                     call (a timeout is a failure, a shutdown is nothing), so a cancelled call is not
     *                     counted here, and is answered offline
     * @param requests     where the requests the customer makes are taken, as they are made: whoever gives
     *                     up on this answer still finds them there
     */
    public Reply compose(
            String question,
            boolean blocked,
            List<Turn> context,
            Consumer<String> onDelta,
            Cancellation cancellation,
            RequestsTaken requests) {
        if (blocked) {
            metrics.reply(ReplyMetrics.Source.REFUSAL);
            return new Reply(REFUSAL, false, true, Optional.empty(), 0, 0, Optional.empty(), List.of(), null);
        }
        if (llm.isPresent() && breaker.allowsCall()) {
            List<Turn> turns = new ArrayList<>(context);
            turns.add(new Turn(Turn.Role.USER, question));
            long start = clock.millis();
            long startNanos = System.nanoTime();
            boolean[] fragmentSeen = {false};
            StringBuilder said = new StringBuilder();
            Consumer<String> timedOnDelta = fragment -> {
                if (!fragmentSeen[0]) {
                    fragmentSeen[0] = true;
                    metrics.firstFragment(Duration.ofNanos(System.nanoTime() - startNanos));
                }
                said.append(fragment);
                onDelta.accept(fragment);
            };
            try {
                Answered answered = askWithTools(turns, timedOnDelta, said, cancellation, requests);
                breaker.recordSuccess();
                metrics.call(ReplyMetrics.Outcome.ANSWERED, Duration.ofNanos(System.nanoTime() - startNanos));
                metrics.tokens(answered.inputTokens, answered.outputTokens);
                metrics.reply(ReplyMetrics.Source.MODEL);
                return new Reply(
                        said.toString(),
                        false,
                        false,
                        Optional.ofNullable(answered.model),
                        answered.inputTokens,
                        answered.outputTokens,
                        Optional.of(clock.millis() - start),
                        requests.all(),
                        null);
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
        return offlineAnswer(question, context, onDelta, requests);
    }

    /** What the model's calls for one answer cost, and which model answered. */
    private record Answered(String model, long inputTokens, long outputTokens) {}

    /**
     * Asks the model, answering the receptionist tools it calls and asking again with their outputs, up to
     * {@link #MAX_TOOL_ROUNDS} rounds; then it must answer in words. What it says in every round is the
     * reply, as the customer saw it streamed ({@code said}).
     */
    private Answered askWithTools(
            List<Turn> turns,
            Consumer<String> onDelta,
            StringBuilder said,
            Cancellation cancellation,
            RequestsTaken requests) {
        List<LlmClient.ToolRound> rounds = new ArrayList<>();
        long inputTokens = 0;
        long outputTokens = 0;
        while (true) {
            boolean mayUseTools = rounds.size() < MAX_TOOL_ROUNDS;
            Consumer<String> spaced = onDelta;
            if (!rounds.isEmpty() && !said.isEmpty() && !Character.isWhitespace(said.charAt(said.length() - 1))) {
                // the next round's words follow the last round's, which ended without a space
                boolean[] first = {true};
                spaced = fragment -> {
                    if (first[0]) {
                        first[0] = false;
                        onDelta.accept(" ");
                    }
                    onDelta.accept(fragment);
                };
            }
            LlmClient.Completion c = llm.orElseThrow()
                    .complete(
                            new LlmClient.Prompt(
                                    persona().chatInstructions(),
                                    turns,
                                    mayUseTools ? ReceptionistTools.CHAT : List.of(),
                                    rounds),
                            spaced,
                            cancellation);
            inputTokens += c.inputTokens();
            outputTokens += c.outputTokens();
            if (c.toolCalls().isEmpty() || !mayUseTools) {
                if (said.toString().isBlank()) {
                    throw new LlmClient.LlmUnavailableException("the model returned an empty answer", null);
                }
                return new Answered(c.model(), inputTokens, outputTokens);
            }
            List<String> outputs = c.toolCalls().stream().map(requests::answer).toList();
            log.info(
                    "The model called {}; {} request(s) taken so far",
                    c.toolCalls().stream().map(LlmClient.ToolCall::name).toList(),
                    requests.all().size());
            rounds.add(new LlmClient.ToolRound(c.text(), c.toolCalls(), outputs));
        }
    }

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
                            CallRecap.instructions(persona().businessName()),
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

    /**
     * Whether an answer begun now would come from the offline responder without asking the model: there is
     * none, or the circuit is open (or half-open with its one trial call under way).
     */
    public boolean answersOfflineNow() {
        return llm.isEmpty() || breaker.rejectsCalls();
    }

    /**
     * The answer when the model did not answer in time: the offline responder's, degraded. The caller
     * abandons the model call; one that had reached the model counts as a failure to the circuit breaker
     * (one still waiting for a thread to make it does not: the model never saw it).
     *
     * @param why      for the log: which message and which deadline
     * @param requests what the model had taken before it was given up: they still go out, and the answer
     *                 says so
     */
    public Reply timedOut(
            String question,
            List<Turn> context,
            boolean modelWasCalled,
            String why,
            Consumer<String> onDelta,
            RequestsTaken requests) {
        if (modelWasCalled) {
            breaker.recordFailure();
        }
        log.error("The model did not answer in time ({}); answering offline. Circuit: {}", why, breaker.state());
        return offline(question, context, onDelta, requests, TIMEOUT, "");
    }

    /**
     * The daily model budget of this workspace, or of {@code subject} (the visitor) in it, if it is spent:
     * then they are answered by {@link #overBudget} until the UTC day ends.
     */
    public Optional<TokenBudget.Spent> budgetSpent(String subject) {
        return budget.spent(workspaceId, subject);
    }

    /** The offline responder's answer, saying it is one because today's model budget is spent. */
    public Reply overBudget(
            String question,
            List<Turn> context,
            Consumer<String> onDelta,
            RequestsTaken requests,
            TokenBudget.Spent spent) {
        return offline(question, context, onDelta, requests, BUDGET, BUDGET_NOTE);
    }

    /** How an answer made without the model because the budget is spent begins. */
    public static final String BUDGET_NOTE =
            "(An automatic answer: our assistant has used up today's allowance, so it answers briefly until "
                    + "tomorrow.) ";

    /**
     * The offline responder's answer, marked degraded: also the answer when composing failed unexpectedly.
     * When requests were taken already (the model called a tool, then failed), it confirms them rather than
     * ask the customer for their details again; otherwise the responder may take one from the message.
     */
    public Reply offlineAnswer(String question, List<Turn> context, Consumer<String> onDelta, RequestsTaken requests) {
        return offline(
                question,
                context,
                onDelta,
                requests,
                llm.isEmpty() ? NO_MODEL : breaker.rejectsCalls() ? CIRCUIT_OPEN : MODEL_ERROR,
                "");
    }

    private Reply offline(
            String question,
            List<Turn> context,
            Consumer<String> onDelta,
            RequestsTaken requests,
            String reason,
            String note) {
        String text;
        if (requests.isEmpty()) {
            OfflineResponder.Offline answer = new OfflineResponder(persona()).reply(question, context);
            answer.request().ifPresent(requests::take);
            text = answer.text();
        } else {
            text = "Thank you. I've passed your request on to the team at "
                    + persona().businessName() + ", and they'll get back to you.";
        }
        text = note + text;
        metrics.reply(ReplyMetrics.Source.OFFLINE);
        onDelta.accept(text);
        return new Reply(text, true, false, Optional.empty(), 0, 0, Optional.empty(), requests.all(), reason);
    }
}
