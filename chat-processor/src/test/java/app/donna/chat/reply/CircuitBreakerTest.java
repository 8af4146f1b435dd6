package app.donna.chat.reply;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    @Test
    void opensAfterTheThresholdThenLetsOneTrialThroughAndClosesOnSuccess() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(30), clock);

        breaker.recordFailure();
        assertThat(breaker.allowsCall()).isTrue();
        breaker.recordFailure();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.allowsCall()).isFalse();

        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.allowsCall()).isTrue();
        assertThat(breaker.allowsCall()).as("one trial at a time").isFalse();

        breaker.recordSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.allowsCall()).isTrue();
    }

    @Test
    void rejectsCallsWhileOpenAndWhileItsHalfOpenTrialIsUnderWayWithoutTakingTheTrial() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(30), clock);
        assertThat(breaker.rejectsCalls()).isFalse();
        breaker.recordFailure();
        assertThat(breaker.rejectsCalls()).isTrue();

        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.rejectsCalls()).isFalse();
        assertThat(breaker.rejectsCalls()).as("asking does not take the trial").isFalse();
        assertThat(breaker.allowsCall()).isTrue();
        assertThat(breaker.rejectsCalls()).isTrue();

        breaker.recordAbandoned();
        assertThat(breaker.rejectsCalls())
                .as("an abandoned trial frees the way for another")
                .isFalse();
    }

    @Test
    void aFailedTrialOpensItAgain() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(30), clock);
        breaker.recordFailure();
        clock.advance(Duration.ofSeconds(31));

        assertThat(breaker.allowsCall()).isTrue();
        breaker.recordFailure();

        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void onlyFailuresInARowOpenIt() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);
        breaker.recordFailure();
        breaker.recordFailure();
        breaker.recordSuccess();
        breaker.recordFailure();
        breaker.recordFailure();
        assertThat(breaker.state()).as("a success between them").isEqualTo(CircuitBreaker.State.CLOSED);

        breaker.recordFailure();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void itsStateAndCallsAreMetrics() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        var registry = io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.of(
                CircuitBreaker.config(1, Duration.ofSeconds(30), clock));
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry)
                .bindTo(meters);
        CircuitBreaker breaker = new CircuitBreaker(registry, Duration.ofSeconds(30), clock);

        breaker.recordFailure();

        assertThat(meters.get("resilience4j.circuitbreaker.state")
                        .tags("name", CircuitBreaker.NAME, "state", "open")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(meters.get("resilience4j.circuitbreaker.calls")
                        .tags("name", CircuitBreaker.NAME, "kind", "failed")
                        .timer()
                        .count())
                .isEqualTo(1);
    }
}
