package app.donna.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic, every partition from its start to its end as the read begins, for a command. */
public final class TopicToEnd {

    private TopicToEnd() {}

    /**
     * Hands {@code each} every committed record of {@code topic}, oldest first per partition.
     *
     * @throws IllegalStateException when the broker does not give it all within {@code timeout}
     */
    public static void read(
            Map<String, String> env, String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (var consumer = new KafkaConsumer<>(
                BrokerSettings.reader(env), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(topic + " was not read within " + timeout);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }
}
