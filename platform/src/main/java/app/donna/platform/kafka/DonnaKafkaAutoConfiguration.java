package app.donna.platform.kafka;

import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Kafka wiring every service shares: the catalog's topics and their dead-letter topics created at
 * start-up, one error handler (bounded exponential retries, then the record goes to
 * {@code <topic>.DLT} with error headers; undecodable records go there at once with their bytes
 * untouched), a broker health check, and the settings every hand-built client starts from
 * ({@link KafkaClientProperties}: Spring Boot's {@code spring.kafka.*}, security included).
 *
 * <p>Producer and consumer defaults (idempotence, {@code acks=all}, catalog serdes wrapped in
 * {@code ErrorHandlingDeserializer}) are property defaults from {@code donna-platform-defaults.properties}.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@EnableConfigurationProperties(KafkaSettings.class)
public class DonnaKafkaAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    KafkaClientProperties kafkaClientProperties(KafkaProperties properties, KafkaConnectionDetails connection) {
        return new KafkaClientProperties(properties, connection);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "donna.kafka.create-topics", matchIfMissing = true)
    KafkaAdmin.NewTopics catalogTopics(KafkaSettings settings) {
        return new KafkaAdmin.NewTopics(catalog(settings).toArray(NewTopic[]::new));
    }

    /** Every catalog topic and its dead-letter topic, as created (and kept in line) at start-up. */
    static List<NewTopic> catalog(KafkaSettings settings) {
        List<NewTopic> topics = new ArrayList<>();
        for (Topic<?> topic : Topics.ALL) {
            Map<String, String> config = new LinkedHashMap<>(topic.config());
            settings.configuredRetention(topic)
                    .ifPresent(retention -> config.put("retention.ms", String.valueOf(retention.toMillis())));
            topics.add(newTopic(topic.name(), topic.partitions(), config, settings));
            Map<String, String> dltConfig = new LinkedHashMap<>();
            dltConfig.put("cleanup.policy", "delete");
            dltConfig.put("retention.ms", "-1");
            topics.add(newTopic(topic.deadLetterName(), topic.partitions(), dltConfig, settings));
        }
        return topics;
    }

    private static NewTopic newTopic(String name, int partitions, Map<String, String> config, KafkaSettings settings) {
        Optional<Short> replicas =
                settings.replicationFactor() > 0 ? Optional.of(settings.replicationFactor()) : Optional.empty();
        return new NewTopic(name, Optional.of(partitions), replicas).configs(config);
    }

    /** Writes dead letters: raw bytes as they came, or an event re-encoded when it failed after decoding. */
    @Bean
    @ConditionalOnMissingBean(name = "deadLetterPublishingRecoverer")
    DeadLetterPublishingRecoverer deadLetterPublishingRecoverer(
            KafkaClientProperties clients, ObjectProvider<MeterRegistry> meters) {
        Map<String, Object> config = clients.producer();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        var bytesFactory = new DefaultKafkaProducerFactory<Object, Object>(config);
        bytesFactory.setKeySerializer(new LenientKeySerializer());
        bytesFactory.setValueSerializer(new RawOrEventSerializer(EventCodec.bundled()));
        KafkaTemplate<Object, Object> template = new KafkaTemplate<>(bytesFactory);
        template.setProducerListener(new DeadLetterReporter(meters.getIfAvailable(CompositeMeterRegistry::new)));
        var recoverer = new DeadLetterPublishingRecoverer(
                template,
                (record, exception) ->
                        new TopicPartition(record.topic() + Topic.DEAD_LETTER_SUFFIX, record.partition()));
        recoverer.setHeadersFunction((record, exception) -> reasonHeader(exception));
        return recoverer;
    }

    /** Name of the header carrying the innermost cause's message, which Spring's own headers can hide. */
    public static final String REASON_HEADER = "donna_dlt-reason";

    static Headers reasonHeader(Exception exception) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(exception);
        String reason = root.getClass().getSimpleName() + ": " + root.getMessage();
        if (reason.length() > 1000) {
            reason = reason.substring(0, 1000);
        }
        return new RecordHeaders().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    }

    @Bean
    @ConditionalOnMissingBean(CommonErrorHandler.class)
    DefaultErrorHandler kafkaErrorHandler(DeadLetterPublishingRecoverer recoverer, KafkaSettings settings) {
        ExponentialBackOff backOff = new ExponentialBackOff(
                settings.retry().initialInterval().toMillis(), settings.retry().multiplier());
        backOff.setMaxInterval(settings.retry().maxInterval().toMillis());
        backOff.setMaxAttempts(settings.retry().maxAttempts());
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
        // The same bytes fail the same way every time: straight to the dead-letter topic.
        handler.addNotRetryableExceptions(
                DeserializationException.class,
                EventCodec.EventDecodingException.class,
                IllegalArgumentException.class);
        return handler;
    }

    @Bean(name = "kafka")
    @ConditionalOnMissingBean(name = "kafka")
    KafkaClusterHealthIndicator kafkaHealthIndicator(KafkaClientProperties clients, KafkaSettings settings) {
        return new KafkaClusterHealthIndicator(clients.admin(), settings.healthTimeout());
    }

    /** Keys of dead letters are bytes already, or strings from a decoded record. */
    static final class LenientKeySerializer implements org.apache.kafka.common.serialization.Serializer<Object> {
        @Override
        public byte[] serialize(String topic, Object key) {
            if (key == null || key instanceof byte[]) {
                return (byte[]) key;
            }
            return key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Values of dead letters are the original bytes, or an event that failed after decoding. */
    static final class RawOrEventSerializer implements org.apache.kafka.common.serialization.Serializer<Object> {
        private final EventCodec codec;

        RawOrEventSerializer(EventCodec codec) {
            this.codec = codec;
        }

        @Override
        public byte[] serialize(String topic, Object value) {
            if (value == null || value instanceof byte[]) {
                return (byte[]) value;
            }
            if (value instanceof SpecificRecordBase event) {
                return codec.encode(event);
            }
            throw new IllegalArgumentException(
                    "cannot dead-letter a " + value.getClass().getName());
        }
    }
}
