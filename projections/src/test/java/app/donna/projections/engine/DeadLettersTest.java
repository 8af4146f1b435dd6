package app.donna.projections.engine;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One bad record, one dead letter: a second consumer group failing on it, or the same projector reading it
 * again after its read model is rebuilt, finds it on the dead-letter topic and writes no copy.
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

        try (DeadLetters first = new DeadLetters(Map.of("bootstrap.servers", kafka.servers()));
                DeadLetters second = new DeadLetters(Map.of("bootstrap.servers", kafka.servers()))) {
            assertThat(first.publish(poison, "donna-projections-abuse", new IllegalStateException("bad")))
                    .isTrue();
            assertThat(second.publish(poison, "another-group", new IllegalStateException("bad")))
                    .isFalse();
            assertThat(first.publish(poison, "donna-projections-abuse", new IllegalStateException("again")))
                    .as("after a rebuild")
                    .isFalse();
            assertThat(first.publish(neighbour, "donna-projections-abuse", new IllegalStateException("bad")))
                    .as("another record of the same partition")
                    .isTrue();
        }

        List<ConsumerRecord<byte[], byte[]>> copies = TopicReader.readUntilFound(
                kafka.servers(),
                Topics.ABUSE_FLAGS.deadLetterName(),
                r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(marker),
                2,
                Duration.ofSeconds(30));
        assertThat(copies)
                .extracting(r -> TopicReader.header(r, "kafka_dlt-original-offset"))
                .containsExactlyInAnyOrder(String.valueOf(poison.offset()), String.valueOf(neighbour.offset()));
    }
}
