package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.metrics.KafkaMetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/**
 * What the platform adds to a service's Kafka Streams application, seen without a broker (the app is not
 * started); {@code SaslClusterTest} and the services' tests run it against one.
 */
class KafkaStreamsWiringTest {

    final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    KafkaMetricsAutoConfiguration.class,
                    KafkaAutoConfiguration.class,
                    DonnaKafkaAutoConfiguration.class,
                    DonnaKafkaStreamsAutoConfiguration.class))
            .withPropertyValues(
                    "donna.kafka.create-topics=false",
                    "donna.kafka.streams-commit-interval=20ms",
                    "spring.kafka.bootstrap-servers=127.0.0.1:9",
                    "spring.kafka.streams.auto-startup=false");

    @Test
    void theServicesTopologyRunsExactlyOnceWithUndecodableRecordsToTheSharedRecoverer() {
        context.withUserConfiguration(NumbersService.class).run(app -> {
            StreamsBuilderFactoryBean streams = app.getBean(StreamsBuilderFactoryBean.class);
            Properties config = streams.getStreamsConfiguration();

            assertThat(streams.getTopology().describe().toString()).contains("numbers");
            assertThat(config)
                    .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "numbers-app")
                    .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                    .containsEntry(
                            StreamsConfig.STATE_DIR_CONFIG,
                            Path.of("/var/lib/numbers").toString())
                    .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, KafkaStreamsDefaults.BACKSTOP_COMMIT_MS)
                    .containsEntry(StreamsConfig.POLL_MS_CONFIG, 5L)
                    .containsEntry("consumer.internal.leave.group.on.close", true)
                    .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2)
                    .containsEntry(
                            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                            RecoveringDeserializationExceptionHandler.class.getName());
            assertThat(config.get(RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER))
                    .isInstanceOf(ConsumerRecordRecoverer.class);
        });
    }

    @Test
    void withoutEagerCommitsTheAppCommitsEveryIntervalAndProcessorsAskForNone() {
        context.withUserConfiguration(NumbersService.class)
                .withPropertyValues("donna.kafka.eager-commits=false")
                .run(app -> {
                    Properties config =
                            app.getBean(StreamsBuilderFactoryBean.class).getStreamsConfiguration();
                    assertThat(config).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20L);

                    MockProcessorContext<Object, Object> task = new MockProcessorContext<>();
                    app.getBean(EagerCommits.class).afterForwarding(task);
                    assertThat(task.committed()).isFalse();
                });
    }

    @Test
    void aFailedStreamThreadIsReplacedAndStreamsMetricsGoToMicrometer() {
        context.withUserConfiguration(NumbersService.class, Meters.class).run(app -> {
            StreamsBuilderFactoryBean streams = app.getBean(StreamsBuilderFactoryBean.class);

            assertThat(streams.getStreamsUncaughtExceptionHandler().handle(new IllegalStateException("boom")))
                    .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            assertThat(streams.getListeners()).hasAtLeastOneElementOfType(KafkaStreamsMicrometerListener.class);
        });
    }

    @Test
    void healthIsDownWhileTheApplicationIsNotRunning() {
        context.withUserConfiguration(NumbersService.class).run(app -> {
            HealthIndicator health = app.getBean("kafkaStreams", HealthIndicator.class);

            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).containsEntry("state", "NOT_RUNNING");
        });
    }

    @Test
    void aServiceWithoutAStreamApplicationGetsNoneOfIt() {
        context.run(app -> assertThat(app)
                .doesNotHaveBean(EagerCommits.class)
                .doesNotHaveBean(KafkaStreamsDefaults.class)
                .doesNotHaveBean("kafkaStreams"));
    }

    /** A service's part: its settings and its topology. */
    @Configuration(proxyBeanMethods = false)
    @EnableKafkaStreams
    static class NumbersService {

        @Bean(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
        KafkaStreamsConfiguration numbersConfig(KafkaStreamsDefaults defaults) {
            var props = defaults.forApplication("numbers-app", Path.of("/var/lib/numbers"));
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
            return new KafkaStreamsConfiguration(props);
        }

        @Bean
        KafkaStreamsInfrastructureCustomizer numbersTopology() {
            return new KafkaStreamsInfrastructureCustomizer() {
                @Override
                public void configureBuilder(StreamsBuilder builder) {
                    builder.stream("numbers", Consumed.with(Serdes.String(), Serdes.Integer()))
                            .foreach((key, number) -> {});
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Meters {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
