package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

class UnansweredHealthIndicatorTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    final UnansweredMessages unanswered = new UnansweredMessages();
    final UnansweredHealthIndicator health = new UnansweredHealthIndicator(unanswered, Duration.ofSeconds(120), clock);

    record FixedTask(String name, Optional<Instant> oldestSince) implements UnansweredMessages.Task {}

    @Test
    void upWhileNothingWaits() {
        unanswered.register(new FixedTask("0_1", Optional.empty()));

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void upWhileTheLongestWaitIsWithinTheLimitAndDownBeyondIt() {
        unanswered.register(new FixedTask("0_1", Optional.of(clock.instant())));
        unanswered.register(new FixedTask("0_2", Optional.of(clock.instant().minusSeconds(30))));

        clock.advance(Duration.ofSeconds(90));
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getDetails())
                .containsEntry("longestWaitSeconds", 120L)
                .containsEntry("task", "0_2");

        clock.advance(Duration.ofSeconds(1));
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void aTaskThatIsGoneNoLongerCounts() {
        FixedTask stuck = new FixedTask("0_3", Optional.of(clock.instant()));
        unanswered.register(stuck);
        clock.advance(Duration.ofMinutes(10));
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);

        unanswered.unregister(stuck);

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }
}
