package app.donna.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    @Test
    void allowsTheBurstThenRejectsWithTheTimeUntilTheNextToken() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        TokenBuckets buckets = new TokenBuckets(3, 60, clock, 100);

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        var rejected = buckets.tryAcquire("a");

        assertThat(rejected).isInstanceOf(TokenBuckets.Decision.Rejected.class);
        assertThat(((TokenBuckets.Decision.Rejected) rejected).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(buckets.tryAcquire("b"))
                .as("keys are independent")
                .isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }

    @Test
    void refillsOverTime() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        TokenBuckets buckets = new TokenBuckets(1, 60, clock, 100);
        buckets.tryAcquire("a");
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Rejected.class);

        clock.advance(Duration.ofSeconds(1));

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }

    @Test
    void forgetsIdleKeysWhenFull() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        TokenBuckets buckets = new TokenBuckets(1, 60, clock, 2);
        buckets.tryAcquire("a");
        buckets.tryAcquire("b");
        buckets.tryAcquire("c");
        clock.advance(Duration.ofSeconds(60));

        buckets.tryAcquire("d");

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }
}
