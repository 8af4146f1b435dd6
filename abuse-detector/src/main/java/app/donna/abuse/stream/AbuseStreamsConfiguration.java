package app.donna.abuse.stream;

import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Runs the {@link AbuseTopology} with exactly-once processing for the life of the application. */
@Configuration(proxyBeanMethods = false)
class AbuseStreamsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AbuseStreamsConfiguration.class);

    @Bean
    AbuseStreams abuseStreams(AbuseSettings settings, KafkaProperties kafka,
            @Value("${donna.abuse.application-id:donna-abuse-detector}") String applicationId,
            @Value("${donna.kafka.replication-factor:-1}") int replicationFactor) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", kafka.getBootstrapServers()));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDirectory().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        // Kafka Streams keeps a closed member in its group until the session times out (45 s) unless told
        // otherwise; leaving lets a restarted or replacement instance take the partitions at once.
        props.put(StreamsConfig.consumerPrefix("internal.leave.group.on.close"), true);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        return new AbuseStreams(new KafkaStreams(AbuseTopology.build(settings.screening(), settings.rulesVersion()),
                props));
    }

    @Bean
    HealthIndicator abuseStreamsHealthIndicator(AbuseStreams streams) {
        return () -> {
            KafkaStreams.State state = streams.streams.state();
            boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
            return (up ? Health.up() : Health.down()).withDetail("state", state.name()).build();
        };
    }

    /** Starts the streams with the application and closes them, committing, when it stops. */
    static final class AbuseStreams implements SmartLifecycle {
        private final KafkaStreams streams;
        private volatile boolean running;

        AbuseStreams(KafkaStreams streams) {
            this.streams = streams;
        }

        @Override
        public void start() {
            streams.setUncaughtExceptionHandler(e -> {
                log.error("Abuse screening stream failed; replacing the stream thread", e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                        .REPLACE_THREAD;
            });
            streams.start();
            running = true;
        }

        @Override
        public void stop() {
            streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }
}
