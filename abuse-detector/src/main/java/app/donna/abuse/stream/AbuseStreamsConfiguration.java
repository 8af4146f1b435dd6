package app.donna.abuse.stream;

import java.time.Duration;
import java.util.Properties;

import app.donna.platform.kafka.ManagedStreams;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Runs the {@link AbuseTopology} with exactly-once processing for the life of the application. */
@Configuration(proxyBeanMethods = false)
class AbuseStreamsConfiguration {

    /** Named so the health component reads "abuseStreams". */
    @Bean
    ManagedStreams abuseStreams(AbuseSettings settings, KafkaProperties kafka,
            @Value("${donna.abuse.application-id:donna-abuse-detector}") String applicationId,
            @Value("${donna.kafka.replication-factor:-1}") int replicationFactor,
            @Value("${donna.kafka.streams-commit-interval:100ms}") Duration commitInterval) {
        Properties props = ManagedStreams.defaults(applicationId, String.join(",", kafka.getBootstrapServers()),
                settings.stateDirectory(), replicationFactor, commitInterval);
        return new ManagedStreams(AbuseTopology.build(settings.screening(), settings.rulesVersion()), props);
    }
}
