package app.donna.platform.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets by key: each key may make {@code burst} calls at once and regains
 * {@code perMinute} calls a minute. Plain Java, no framework types, so it is unit-tested alone.
 *
 * <p>Limits are per instance: with N instances behind a balancer a caller gets up to N times the rate.
 * Buckets that are full again are dropped when the map grows past {@code maxKeys}.
 */
public final class TokenBuckets {

    /** Outcome of asking for one call. */
    public sealed interface Decision {
        record Allowed(int remaining) implements Decision {}

        record Rejected(Duration retryAfter) implements Decision {}
    }

    private final int burst;
    private final int perMinute;
    private final double tokensPerMilli;
    private final Clock clock;
    private final int maxKeys;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public TokenBuckets(int burst, int perMinute, Clock clock, int maxKeys) {
        if (burst < 1 || perMinute < 1) {
            throw new IllegalArgumentException("burst and perMinute must be at least 1");
        }
        this.burst = burst;
        this.perMinute = perMinute;
        this.tokensPerMilli = perMinute / 60_000.0;
        this.clock = clock;
        this.maxKeys = maxKeys;
    }

    public Decision tryAcquire(String key) {
        long now = clock.millis();
        if (buckets.size() > maxKeys) {
            buckets.values().removeIf(b -> b.isFullAt(now));
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(burst, now)).take(now);
    }

    /** Calls a key may make at once. */
    public int burst() {
        return burst;
    }

    /** How long a bucket with {@code remaining} calls left takes to fill again. */
    public Duration refillTime(int remaining) {
        return Duration.ofMillis((long) Math.ceil(Math.max(0, burst - remaining) / tokensPerMilli));
    }

    /** Whether {@code key}'s bucket is empty now, without taking from it (Allowed: a call may be made). */
    public Decision peekExhausted(String key) {
        Bucket bucket = buckets.get(key);
        return bucket == null ? new Decision.Allowed(burst) : bucket.peek(clock.millis());
    }

    private final class Bucket {
        private double tokens;
        private long updatedAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updatedAt = now;
        }

        synchronized Decision take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return new Decision.Allowed((int) tokens);
            }
            long waitMillis = (long) Math.ceil((1 - tokens) / tokensPerMilli);
            return new Decision.Rejected(Duration.ofMillis(Math.max(1, waitMillis)));
        }

        synchronized Decision peek(long now) {
            refill(now);
            return tokens >= 1
                    ? new Decision.Allowed((int) tokens)
                    : new Decision.Rejected(
                            Duration.ofMillis(Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerMilli))));
        }

        synchronized boolean isFullAt(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            if (now > updatedAt) {
                tokens = Math.min(burst, tokens + (now - updatedAt) * tokensPerMilli);
                updatedAt = now;
            }
        }
    }
}
