package app.donna.platform.kafka;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * UP while the service's Kafka Streams application runs or rebalances; DOWN when it is not started, has
 * stopped, or is in error (its threads died, or it gave up on the cluster), so that
 * {@code /actuator/health} tells the truth during a broker outage.
 */
public final class KafkaStreamsHealthIndicator implements HealthIndicator {

    private final StreamsBuilderFactoryBean streams;

    public KafkaStreamsHealthIndicator(StreamsBuilderFactoryBean streams) {
        this.streams = streams;
    }

    @Override
    public Health health() {
        KafkaStreams kafkaStreams = streams.getKafkaStreams();
        if (kafkaStreams == null) {
            return Health.down().withDetail("state", "NOT_RUNNING").build();
        }
        KafkaStreams.State state = kafkaStreams.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return (up ? Health.up() : Health.down())
                .withDetail("state", state.name())
                .build();
    }
}
