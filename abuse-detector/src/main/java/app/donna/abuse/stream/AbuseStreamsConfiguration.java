package app.donna.abuse.stream;

import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.kafka.KafkaStreamsDefaults;
import app.donna.platform.observability.RecordTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;

/**
 * Runs the {@link AbuseTopology} with exactly-once processing for the life of the application, as Spring for
 * Apache Kafka's one Kafka Streams application of the service; the platform adds what every stream processor
 * shares (dead letters, commit pacing, health, metrics).
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class AbuseStreamsConfiguration {

    /** The settings of the service's one Kafka Streams application: the platform's, with its own on top. */
    @Bean(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration abuseStreamsConfig(
            KafkaStreamsDefaults defaults,
            AbuseSettings settings,
            @Value("${donna.abuse.application-id:donna-abuse-detector}") String applicationId) {
        Map<String, Object> props = defaults.forApplication(applicationId, settings.stateDirectory());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        return new KafkaStreamsConfiguration(props);
    }

    /** The screening topology, put on the application's {@link StreamsBuilder} before Spring Kafka builds it. */
    @Bean
    KafkaStreamsInfrastructureCustomizer abuseTopology(
            AbuseSettings settings, EagerCommits commits, RecordTracing tracing, ObjectProvider<MeterRegistry> meters) {
        VerdictMetrics verdicts = new VerdictMetrics(meters.getIfAvailable(CompositeMeterRegistry::new));
        return new KafkaStreamsInfrastructureCustomizer() {
            @Override
            public void configureBuilder(StreamsBuilder builder) {
                AbuseTopology.define(
                        builder, settings.screening(), settings.rulesVersion(), commits, tracing, verdicts);
            }
        };
    }
}
