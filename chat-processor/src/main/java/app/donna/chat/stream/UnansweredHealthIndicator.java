package app.donna.chat.stream;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * DOWN while a message has waited for its answer longer than {@code stalledAfter}: every answer is sent,
 * or replaced by an offline one, within the model's deadlines, so such a message means a task that has
 * stopped answering while the stream itself still runs (the {@code kafkaStreams} component stays UP then).
 * A restart hands the task's unanswered messages, kept in its changelog, to a fresh processor.
 */
final class UnansweredHealthIndicator implements HealthIndicator {

    private final UnansweredMessages unanswered;
    private final Duration stalledAfter;
    private final Clock clock;

    UnansweredHealthIndicator(UnansweredMessages unanswered, Duration stalledAfter, Clock clock) {
        this.unanswered = unanswered;
        this.stalledAfter = stalledAfter;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Optional<UnansweredMessages.Oldest> oldest = unanswered.oldest();
        if (oldest.isEmpty()) {
            return Health.up().build();
        }
        Duration waited = Duration.between(oldest.get().since(), clock.instant());
        Health.Builder health = waited.compareTo(stalledAfter) > 0 ? Health.down() : Health.up();
        return health.withDetail("longestWaitSeconds", waited.toSeconds())
                .withDetail("task", oldest.get().task())
                .withDetail("stalledAfterSeconds", stalledAfter.toSeconds())
                .build();
    }
}
