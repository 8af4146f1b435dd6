package app.donna.platform.ratelimit.policy;

import java.time.Duration;

/**
 * The answer to one call against a limit.
 *
 * @param allowed whether the call may be made
 * @param remaining calls left after this one
 * @param retryAfter when {@code allowed} is false, how long until one call may be made; zero otherwise
 * @param untilFull how long until the caller has its whole burst back; zero when it has
 */
public record RateLimitDecision(boolean allowed, long remaining, Duration retryAfter, Duration untilFull) {

    public static RateLimitDecision allowed(long remaining, Duration untilFull) {
        return new RateLimitDecision(true, remaining, Duration.ZERO, untilFull);
    }

    public static RateLimitDecision refused(Duration retryAfter, Duration untilFull) {
        return new RateLimitDecision(false, 0, retryAfter, untilFull);
    }
}
