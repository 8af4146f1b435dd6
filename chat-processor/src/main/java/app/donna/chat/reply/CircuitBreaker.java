package app.donna.chat.reply;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops calling a failing model for a while: after {@code failureThreshold} failures in a row (errors or
 * calls that did not answer in time) it opens for {@code openFor}, then lets one trial call through
 * (half-open); a success closes it again.
 */
public final class CircuitBreaker {

    public enum State {
        CLOSED, OPEN, HALF_OPEN
    }

    private final int failureThreshold;
    private final Duration openFor;
    private final Clock clock;
    private int failures;
    private Instant openedAt;
    private boolean trialInFlight;

    public CircuitBreaker(int failureThreshold, Duration openFor, Clock clock) {
        this.failureThreshold = failureThreshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    public synchronized boolean allowsCall() {
        State state = state();
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.HALF_OPEN && !trialInFlight) {
            trialInFlight = true;
            return true;
        }
        return false;
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
        failures = 0;
        openedAt = null;
        trialInFlight = false;
    }

    /** A call given up by the caller, neither a success nor a failure: frees the half-open trial. */
    public synchronized void recordAbandoned() {
        trialInFlight = false;
    }

    public synchronized void recordFailure() {
        trialInFlight = false;
        failures++;
        if (failures >= failureThreshold) {
            openedAt = clock.instant();
        }
    }

    public synchronized State state() {
        if (openedAt == null) {
            return State.CLOSED;
        }
        return clock.instant().isBefore(openedAt.plus(openFor)) ? State.OPEN : State.HALF_OPEN;
    }
}
