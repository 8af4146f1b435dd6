package app.donna.chat.reply;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Stops calling a failing model for a while: after {@code failureThreshold} failures in a row (errors or
 * calls that did not answer in time) it opens for {@code openFor}, then lets one trial call through
 * (half-open); a success closes it again.
 *
 * <p>The state machine is Resilience4j's (a count-based window of {@code failureThreshold} calls that must
 * all have failed, one permitted call when half-open), so its state and calls are measured by
 * Resilience4j's Micrometer binding like any other breaker. This class adds what the reply path needs on
 * top: asking whether calls are refused without taking the half-open trial, and giving a trial back when
 * the caller abandons the call (neither success nor failure).
 */
public final class CircuitBreaker {

    /** The breaker's name in metrics ({@code resilience4j_circuitbreaker_*{name="llm"}}). */
    public static final String NAME = "llm";

    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;
    private final Duration openFor;
    private final Clock clock;
    private Instant openedAt;
    private boolean trialInFlight;

    /** A breaker of its own, outside any registry (tests). */
    public CircuitBreaker(int failureThreshold, Duration openFor, Clock clock) {
        this(CircuitBreakerRegistry.of(config(failureThreshold, openFor, clock)), openFor, clock);
    }

    /** The breaker {@value #NAME} of {@code registry}, which is made with {@link #config}. */
    public CircuitBreaker(CircuitBreakerRegistry registry, Duration openFor, Clock clock) {
        this.breaker = registry.circuitBreaker(NAME);
        this.openFor = openFor;
        this.clock = clock;
        breaker.getEventPublisher().onStateTransition(event -> {
            synchronized (this) {
                openedAt = event.getStateTransition().getToState()
                                == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN
                        ? clock.instant()
                        : null;
            }
        });
    }

    /** The Resilience4j configuration: open after {@code failureThreshold} failures in a row. */
    public static CircuitBreakerConfig config(int failureThreshold, Duration openFor, Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(failureThreshold, failureThreshold, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(e -> true)
                .clock(clock)
                .currentTimestampFunction(c -> c.millis(), TimeUnit.MILLISECONDS)
                .build();
    }

    public synchronized boolean allowsCall() {
        boolean trial = state() != State.CLOSED;
        if (trial && trialInFlight) {
            return false;
        }
        boolean allowed = breaker.tryAcquirePermission();
        if (allowed && trial) {
            trialInFlight = true;
        }
        return allowed;
    }

    /**
     * Whether {@link #allowsCall()} would say no now, without taking the half-open trial: open, or
     * half-open with its trial under way.
     */
    public synchronized boolean rejectsCalls() {
        State state = state();
        return state == State.OPEN || (state == State.HALF_OPEN && trialInFlight);
    }

    public synchronized void recordSuccess() {
        trialInFlight = false;
        breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }

    /** A call given up by the caller, neither a success nor a failure: frees the half-open trial. */
    public synchronized void recordAbandoned() {
        trialInFlight = false;
        breaker.releasePermission();
    }

    public synchronized void recordFailure() {
        trialInFlight = false;
        breaker.onError(0, TimeUnit.NANOSECONDS, new LlmClient.LlmUnavailableException("model call failed", null));
    }

    public synchronized State state() {
        return switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
            case HALF_OPEN -> State.HALF_OPEN;
            case OPEN, FORCED_OPEN ->
                openedAt != null && !clock.instant().isBefore(openedAt.plus(openFor)) ? State.HALF_OPEN : State.OPEN;
        };
    }
}
