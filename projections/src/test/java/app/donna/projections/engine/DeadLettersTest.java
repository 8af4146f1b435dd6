package app.donna.projections.engine;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.platform.kafka.DeadLetterLedger;
import app.donna.platform.kafka.DeduplicatedDeadLetters;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * One bad record, one dead letter: a second consumer group failing on it, or the same projector reading it
 * again after its read model is rebuilt, finds it on the dead-letter topic and writes no copy. The letters
 * are written by Spring's {@code DeadLetterPublishingRecoverer}, as the platform configures it.
 */
@ExtendWith(InfraExtension.class)
class DeadLettersTest {

    @Test
    void aRecordOnTheDeadLetterTopicIsNotDeadLetteredAgain(InfraExtension.KafkaBootstrap kafka) throws Exception {
        CatalogTopics.create(kafka.servers());
        String marker = "poison-" + UUID.randomUUID();
        // an offset no real record of this test run has, so other tests' dead letters cannot match
        ConsumerRecord<byte[], byte[]> poison = new ConsumerRecord<>(
                Topics.ABUSE_FLAGS.name(),
                1,
                9_000_000L + (System.nanoTime() % 1_000_000L),
                marker.getBytes(StandardCharsets.UTF_8),
                marker.getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> neighbour = new ConsumerRecord<>(
                Topics.ABUSE_FLAGS.name(),
                1,
                poison.offset() + 1,
                marker.getBytes(StandardCharsets.UTF_8),
                marker.getBytes(StandardCharsets.UTF_8));

        Map<String, Object> config = Map.of("bootstrap.servers", kafka.servers());
        var producers = new DefaultKafkaProducerFactory<byte[], byte[]>(
                config, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            var recoverer = new DeadLetterPublishingRecoverer(
                    new KafkaTemplate<>(producers),
                    (record, e) -> new TopicPartition(record.topic() + Topic.DEAD_LETTER_SUFFIX, record.partition()));
            var first = new DeduplicatedDeadLetters(recoverer, new DeadLetterLedger(config));
            var second = new DeduplicatedDeadLetters(recoverer, new DeadLetterLedger(config));

            assertThat(first.publish(poison, new IllegalStateException("bad"))).isTrue();
            assertThat(second.publish(poison, new IllegalStateException("bad")))
                    .as("another group")
                    .isFalse();
            assertThat(first.publish(poison, new IllegalStateException("again")))
                    .as("after a rebuild")
                    .isFalse();
            assertThat(first.publish(neighbour, new IllegalStateException("bad")))
                    .as("another record of the same partition")
                    .isTrue();
        } finally {
            producers.destroy();
        }

        List<ConsumerRecord<byte[], byte[]>> copies = TopicReader.readUntilFound(
                kafka.servers(),
                Topics.ABUSE_FLAGS.deadLetterName(),
                r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(marker),
                2,
                Duration.ofSeconds(30));
        assertThat(copies)
                .extracting(r -> ByteBuffer.wrap(r.headers()
                                .lastHeader("kafka_dlt-original-offset")
                                .value())
                        .getLong())
                .containsExactlyInAnyOrder(poison.offset(), neighbour.offset());
    }
}
