package app.donna.platform.kafka;

import java.time.Duration;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.CompositeKafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * The Kafka Streams wiring every Donna stream processor shares, for a service that runs one Kafka Streams
 * application through Spring for Apache Kafka ({@link EnableKafkaStreams}: Spring's one
 * {@code defaultKafkaStreamsBuilder}, started and stopped with the context). The service supplies its
 * {@code defaultKafkaStreamsConfig} (made from {@link KafkaStreamsDefaults}) and its topology as a
 * {@link KafkaStreamsInfrastructureCustomizer}; this adds:
 *
 * <ul>
 *   <li>{@link EagerCommits} for its processors, told of each committed transaction by the producers
 *       Kafka Streams gets from {@link CommitReportingClients};
 *   <li>a failed stream thread replaced rather than the application shut down;
 *   <li>on close, leaving the group (a restart need not wait out the session timeout) within 30 s;
 *   <li>health ({@code kafkaStreams}): UP while running or rebalancing.
 * </ul>
 *
 * <p>Spring Boot adds the rest to the same factory bean: Kafka Streams metrics in Micrometer
 * ({@code KafkaStreamsMicrometerListener}) and the cleanup policy of {@code spring.kafka.streams.cleanup.*},
 * which the platform defaults leave off so that local state survives a stop.
 */
@AutoConfiguration(after = {KafkaAutoConfiguration.class, DonnaKafkaAutoConfiguration.class})
@ConditionalOnClass(StreamsBuilder.class)
@ConditionalOnBean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_BUILDER_BEAN_NAME)
public class DonnaKafkaStreamsAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DonnaKafkaStreamsAutoConfiguration.class);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    @Bean
    @ConditionalOnMissingBean
    EagerCommits eagerCommits(KafkaSettings settings) {
        return settings.eagerCommits() ? new EagerCommits(settings.streamsCommitInterval()) : EagerCommits.never();
    }

    @Bean
    @ConditionalOnMissingBean
    KafkaStreamsDefaults kafkaStreamsDefaults(
            KafkaClientProperties clients,
            KafkaSettings settings,
            @Qualifier("deadLetterPublishingRecoverer") DeadLetterPublishingRecoverer deadLetters) {
        return new KafkaStreamsDefaults(clients, settings, deadLetters);
    }

    @Bean
    StreamsBuilderFactoryBeanConfigurer donnaStreamsBuilderConfigurer(
            EagerCommits commits, ObjectProvider<KafkaStreamsInfrastructureCustomizer> topologies) {
        return factoryBean -> {
            factoryBean.setClientSupplier(new CommitReportingClients(commits::committed));
            factoryBean.setInfrastructureCustomizer(new CompositeKafkaStreamsInfrastructureCustomizer(
                    topologies.orderedStream().toArray(KafkaStreamsInfrastructureCustomizer[]::new)));
            factoryBean.setStreamsUncaughtExceptionHandler(e -> {
                log.error("Stream thread failed; replacing it", e);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            factoryBean.setCloseTimeout((int) CLOSE_TIMEOUT.toSeconds());
            factoryBean.setLeaveGroupOnClose(true);
        };
    }

    @Bean(name = "kafkaStreams")
    @ConditionalOnMissingBean(name = "kafkaStreams")
    KafkaStreamsHealthIndicator kafkaStreamsHealthIndicator(
            @Qualifier(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_BUILDER_BEAN_NAME)
                    StreamsBuilderFactoryBean streams) {
        return new KafkaStreamsHealthIndicator(streams);
    }
}
