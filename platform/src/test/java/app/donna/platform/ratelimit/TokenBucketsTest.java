package app.donna.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void allowsTheBurstThenRejectsWithTheTimeUntilTheNextToken() {
        MutableClock clock = new MutableClock();
        TokenBuckets buckets = new TokenBuckets(3, 60, clock, 100);

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
        var rejected = buckets.tryAcquire("a");

        assertThat(rejected).isInstanceOf(TokenBuckets.Decision.Rejected.class);
        assertThat(((TokenBuckets.Decision.Rejected) rejected).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(buckets.tryAcquire("b")).as("keys are independent").isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }

    @Test
    void refillsOverTime() {
        MutableClock clock = new MutableClock();
        TokenBuckets buckets = new TokenBuckets(1, 60, clock, 100);
        buckets.tryAcquire("a");
        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Rejected.class);

        clock.now = clock.now.plusSeconds(1);

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }

    @Test
    void forgetsIdleKeysWhenFull() {
        MutableClock clock = new MutableClock();
        TokenBuckets buckets = new TokenBuckets(1, 60, clock, 2);
        buckets.tryAcquire("a");
        buckets.tryAcquire("b");
        buckets.tryAcquire("c");
        clock.now = clock.now.plusSeconds(60);

        buckets.tryAcquire("d");

        assertThat(buckets.tryAcquire("a")).isInstanceOf(TokenBuckets.Decision.Allowed.class);
    }
}
