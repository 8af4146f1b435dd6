package app.donna.platform.kafka;

import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Kafka settings of the platform ({@code donna.kafka.*}).
 *
 * @param replicationFactor replicas of created topics; -1 uses the broker's default.replication.factor
 * @param retry             bounded retries before a record goes to its dead-letter topic
 * @param healthTimeout     how long the health check waits for the broker
 * @param streamsCommitInterval the least time between two exactly-once commits of a Kafka Streams app:
 *                          readers see a stream app's output only when it commits, which it does at once
 *                          after a quiet spell and otherwise one interval after the last commit
 *                          ({@link EagerCommits}); shorter means more transactions (docs/performance.md)
 * @param chatInboundRetention how long {@code donna.chat.inbound} keeps messages as people typed them
 *                          (before redaction); screened copies are kept forever
 * @param chatFragmentsRetention how long {@code donna.chat.reply-fragments} keeps reply fragments: long
 *                          enough for a browser's stream to resume; the whole replies are kept forever
 * @param eagerCommits      false: stream apps commit only every {@code streamsCommitInterval}, as Kafka
 *                          Streams does by itself, instead of at once after a quiet spell; for measuring
 *                          what eager commits cost and save (ADR 4)
 */
@Validated
@ConfigurationProperties("donna.kafka")
public record KafkaSettings(
        @DefaultValue("-1") short replicationFactor,
        @Valid @NotNull @DefaultValue Retry retry,
        @NotNull @DefaultValue("3s") Duration healthTimeout,
        @NotNull @DefaultValue("20ms") Duration streamsCommitInterval,
        @NotNull @DefaultValue("7d") Duration chatInboundRetention,
        @NotNull @DefaultValue("1d") Duration chatFragmentsRetention,
        @DefaultValue("true") boolean eagerCommits) {

    /** The retention configured for {@code topic} in place of the catalog's, if it is one an operator sets. */
    public Optional<Duration> configuredRetention(Topic<?> topic) {
        if (topic.equals(Topics.CHAT_INBOUND)) {
            return Optional.of(chatInboundRetention);
        }
        if (topic.equals(Topics.CHAT_REPLY_FRAGMENTS)) {
            return Optional.of(chatFragmentsRetention);
        }
        return Optional.empty();
    }

    /**
     * @param maxAttempts     retries after the first failure
     * @param initialInterval first wait
     * @param multiplier      growth of each wait
     * @param maxInterval     longest wait
     */
    public record Retry(
            @Min(0) @DefaultValue("3") int maxAttempts,
            @NotNull @DefaultValue("200ms") Duration initialInterval,
            @DefaultValue("2.0") double multiplier,
            @NotNull @DefaultValue("2s") Duration maxInterval) {}
}
