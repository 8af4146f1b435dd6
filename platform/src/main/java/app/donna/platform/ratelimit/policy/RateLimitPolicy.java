package app.donna.platform.ratelimit.policy;

import java.time.Duration;

/**
 * A named limit: {@code burst} calls at once, {@code perMinute} regained each minute, a little at a time.
 * Says how the limit and a caller's standing in it read in the IETF draft's headers:
 * {@code RateLimit-Policy} ({@code q}: calls at once, {@code w}: seconds to regain them all) and
 * {@code RateLimit} ({@code r}: calls left, {@code t}: seconds until all are back). Plain Java; the
 * counting itself is Bucket4j's.
 *
 * @param name the policy's name in the headers and in the keys of its buckets
 */
public record RateLimitPolicy(String name, int burst, int perMinute) {

    public RateLimitPolicy {
        if (name == null || name.isBlank() || name.contains("\"")) {
            throw new IllegalArgumentException("a policy needs a name without quotes");
        }
        if (burst < 1 || perMinute < 1) {
            throw new IllegalArgumentException("burst and perMinute must be at least 1");
        }
    }

    /** How long an empty bucket takes to fill again; a bucket left alone that long is as good as new. */
    public Duration timeToFill() {
        return timeToRegain(burst);
    }

    /** How long regaining {@code calls} calls takes. */
    public Duration timeToRegain(long calls) {
        return Duration.ofMillis((long) Math.ceil(Math.max(0, calls) * 60_000.0 / perMinute));
    }

    /** {@code RateLimit-Policy}: {@code "name";q=burst;w=seconds to fill}. */
    public String policyHeader() {
        return "\"%s\";q=%d;w=%d".formatted(name, burst, wholeSeconds(timeToFill()));
    }

    /** {@code RateLimit}: {@code "name";r=calls left;t=seconds until all are back (0 when full)}. */
    public String standingHeader(RateLimitDecision decision) {
        long untilFull = decision.untilFull().isZero() ? 0 : wholeSeconds(decision.untilFull());
        return "\"%s\";r=%d;t=%d".formatted(name, decision.remaining(), untilFull);
    }

    /** A wait in whole seconds, rounded up and at least one, as {@code Retry-After} wants it. */
    public static long wholeSeconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }
}
