package app.donna.platform.ratelimit;

import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One policy's token buckets, one per caller key, counted by Bucket4j. Where the buckets live is the
 * {@link RateLimiters}' business: in PostgreSQL, shared by every instance, or in this instance's memory.
 * A limiter over shared buckets that cannot reach them asks its fallback, this instance's own buckets.
 */
public final class RateLimiter {

    private final RateLimitPolicy policy;
    private final Function<String, Bucket> buckets;
    private final Fallback fallback;

    /** Where calls are counted while the shared buckets cannot be reached, and who hears of it. */
    record Fallback(RateLimiter local, SharedStoreHealth health) {}

    RateLimiter(RateLimitPolicy policy, Function<String, Bucket> buckets, Fallback fallback) {
        this.policy = policy;
        this.buckets = buckets;
        this.fallback = fallback;
    }

    public RateLimitPolicy policy() {
        return policy;
    }

    /** Takes one call from {@code key}'s bucket if it has one. */
    public RateLimitDecision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Takes {@code tokens} from {@code key}'s bucket if it has them all (a call that costs more than one,
     * as Gmail's quota units do); takes none otherwise.
     */
    public RateLimitDecision tryAcquire(String key, long tokens) {
        return ask(key, bucket -> take(bucket, tokens), (local, k) -> local.tryAcquire(k, tokens));
    }

    /** Whether {@code key} could make a call now, without taking it. */
    public RateLimitDecision peek(String key) {
        return ask(key, this::estimate, RateLimiter::peek);
    }

    private RateLimitDecision ask(
            String key,
            Function<Bucket, RateLimitDecision> question,
            BiFunction<RateLimiter, String, RateLimitDecision> elsewhere) {
        if (fallback == null) {
            return question.apply(buckets.apply(key));
        }
        if (!fallback.health().shouldTry()) {
            return elsewhere.apply(fallback.local(), key);
        }
        RateLimitDecision answer;
        try {
            answer = question.apply(buckets.apply(key));
        } catch (RuntimeException unreachable) {
            fallback.health().failed(unreachable);
            return elsewhere.apply(fallback.local(), key);
        }
        fallback.health().succeeded();
        return answer;
    }

    private static RateLimitDecision take(Bucket bucket, long tokens) {
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(tokens);
        Duration untilFull = Duration.ofNanos(probe.getNanosToWaitForReset());
        return probe.isConsumed()
                ? RateLimitDecision.allowed(probe.getRemainingTokens(), untilFull)
                : RateLimitDecision.refused(Duration.ofNanos(probe.getNanosToWaitForRefill()), untilFull);
    }

    private RateLimitDecision estimate(Bucket bucket) {
        EstimationProbe probe = bucket.estimateAbilityToConsume(1);
        Duration untilFull = policy.timeToRegain(policy.burst() - probe.getRemainingTokens());
        return probe.canBeConsumed()
                ? RateLimitDecision.allowed(probe.getRemainingTokens(), untilFull)
                : RateLimitDecision.refused(Duration.ofNanos(probe.getNanosToWaitForRefill()), untilFull);
    }
}
