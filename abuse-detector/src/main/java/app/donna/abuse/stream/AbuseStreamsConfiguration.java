package app.donna.abuse.stream;

import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.kafka.KafkaSettings;
import app.donna.platform.kafka.ManagedStreams;
import app.donna.platform.observability.RecordTracing;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Runs the {@link AbuseTopology} with exactly-once processing for the life of the application. */
@Configuration(proxyBeanMethods = false)
class AbuseStreamsConfiguration {

    /** Named so the health component reads "abuseStreams". */
    @Bean
    ManagedStreams abuseStreams(
            AbuseSettings settings,
            KafkaClientProperties kafka,
            KafkaSettings platform,
            RecordTracing tracing,
            @Value("${donna.abuse.application-id:donna-abuse-detector}") String applicationId) {
        Properties props = ManagedStreams.defaults(
                kafka,
                applicationId,
                settings.stateDirectory(),
                platform.replicationFactor(),
                platform.streamsCommitInterval());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        EagerCommits commits = new EagerCommits(platform.streamsCommitInterval());
        return new ManagedStreams(
                AbuseTopology.build(settings.screening(), settings.rulesVersion(), commits, tracing), props, commits);
    }
}
