package app.donna.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.testing.MutableClock;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Bucket4j's buckets as the filters use them, in this instance's memory and over an unreachable database. */
class RateLimiterTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void allowsTheBurstThenRefusesWithTheTimeUntilTheNextCall() {
        RateLimiter limiter = RateLimiters.local(clock).limiter(new RateLimitPolicy("user", 3, 60));

        assertThat(limiter.tryAcquire("a").remaining()).isEqualTo(2);
        assertThat(limiter.tryAcquire("a").remaining()).isEqualTo(1);
        RateLimitDecision last = limiter.tryAcquire("a");
        RateLimitDecision refused = limiter.tryAcquire("a");

        assertThat(last.allowed()).isTrue();
        assertThat(last.remaining()).isZero();
        assertThat(last.untilFull()).isEqualTo(Duration.ofSeconds(3));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire("b").allowed()).as("keys are independent").isTrue();
    }

    @Test
    void aCallThatCostsMoreTakesAllItsTokensOrNone() {
        RateLimiter quota = RateLimiters.local(clock).limiter(new RateLimitPolicy("gmail-quota", 250, 15_000));

        assertThat(quota.tryAcquire("mailbox", 100).remaining()).isEqualTo(150);
        assertThat(quota.tryAcquire("mailbox", 100).remaining()).isEqualTo(50);
        RateLimitDecision tooDear = quota.tryAcquire("mailbox", 100);

        assertThat(tooDear.allowed()).isFalse();
        assertThat(tooDear.retryAfter()).as("50 more units at 250 a second").isEqualTo(Duration.ofMillis(200));
        assertThat(quota.tryAcquire("mailbox", 50).allowed())
                .as("nothing was taken by the refusal")
                .isTrue();
        assertThat(quota.tryAcquire("other", 250).allowed())
                .as("mailboxes are independent")
                .isTrue();
    }

    @Test
    void regainsCallsOverTime() {
        RateLimiter limiter = RateLimiters.local(clock).limiter(new RateLimitPolicy("user", 1, 60));
        limiter.tryAcquire("a");
        assertThat(limiter.tryAcquire("a").allowed()).isFalse();

        clock.advance(Duration.ofSeconds(1));

        assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    }

    @Test
    void peekingTakesNothing() {
        RateLimiter limiter = RateLimiters.local(clock).limiter(new RateLimitPolicy("guesses", 2, 1));

        assertThat(limiter.peek("a").remaining()).isEqualTo(2);
        limiter.tryAcquire("a");
        limiter.tryAcquire("a");
        RateLimitDecision exhausted = limiter.peek("a");

        assertThat(exhausted.allowed()).isFalse();
        assertThat(exhausted.retryAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(limiter.peek("a").allowed())
                .as("still exhausted: peeking took nothing")
                .isFalse();
    }

    @Test
    void policiesOfOneServiceCountApart() {
        RateLimiters limiters = RateLimiters.local(clock);
        RateLimiter ip = limiters.limiter(new RateLimitPolicy("ip", 1, 1));
        RateLimiter user = limiters.limiter(new RateLimitPolicy("user", 1, 1));

        ip.tryAcquire("same-key");

        assertThat(user.tryAcquire("same-key").allowed()).isTrue();
    }

    @Test
    void withTheDatabaseUnreachableLimitsStillHoldInThisInstance() {
        try (RateLimiters limiters = RateLimiters.shared(unreachableDatabase(new AtomicInteger()), "svc", clock)) {
            RateLimiter limiter = limiters.limiter(new RateLimitPolicy("user", 2, 1));

            RateLimitDecision firstCall = limiter.tryAcquire("a");
            limiter.tryAcquire("a");
            RateLimitDecision thirdCall = limiter.tryAcquire("a");

            assertThat(firstCall.allowed()).isTrue();
            assertThat(firstCall.remaining()).isEqualTo(1);
            assertThat(thirdCall.allowed())
                    .as("counted in this instance's own bucket")
                    .isFalse();
            assertThat(thirdCall.retryAfter()).isEqualTo(Duration.ofMinutes(1));
            assertThat(((RateLimiters.Shared) limiters).degraded()).isTrue();
        }
    }

    @Test
    void anUnreachableDatabaseIsAskedAgainOncePerRetryPeriodNotOnEveryCall() {
        AtomicInteger attempts = new AtomicInteger();
        try (RateLimiters limiters = RateLimiters.shared(unreachableDatabase(attempts), "svc", clock)) {
            RateLimiter ip = limiters.limiter(new RateLimitPolicy("ip", 100, 100));
            RateLimiter user = limiters.limiter(new RateLimitPolicy("user", 100, 100));

            ip.tryAcquire("a");
            user.tryAcquire("a");
            ip.tryAcquire("b");
            assertThat(attempts)
                    .as("only the first call waited for the database")
                    .hasValue(1);

            clock.advance(RateLimiters.RETRY_SHARED_EVERY);
            ip.tryAcquire("a");
            user.tryAcquire("a");

            assertThat(attempts)
                    .as("one call asked again after the retry period")
                    .hasValue(2);
        }
    }

    /** A pool that has no connection to give, as Hikari says once its connection timeout has passed. */
    private static DataSource unreachableDatabase(AtomicInteger attempts) {
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        attempts.incrementAndGet();
                        throw new SQLTransientConnectionException("HikariPool-1 - Connection is not available");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
