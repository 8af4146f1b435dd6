package app.donna.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic from the beginning, as raw records, for tests that check what landed where. */
public final class TopicReader {

    private TopicReader() {}

    /**
     * The records of {@code topic} (committed ones only) that match {@code wanted}, reading until at
     * least one does or {@code timeout} passes (then the await fails).
     */
    public static List<ConsumerRecord<byte[], byte[]>> readUntilFound(
            String servers, String topic, Predicate<ConsumerRecord<byte[], byte[]>> wanted, Duration timeout) {
        return readUntilFound(servers, topic, wanted, 1, timeout);
    }

    /** As above, reading until at least {@code count} records match. */
    public static List<ConsumerRecord<byte[], byte[]>> readUntilFound(
            String servers,
            String topic,
            Predicate<ConsumerRecord<byte[], byte[]>> wanted,
            int count,
            Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        servers,
                        "group.id",
                        "topic-reader-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest",
                        "isolation.level",
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(timeout).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (wanted.test(r)) {
                        found.add(r);
                    }
                });
                return found.size() >= count;
            });
        }
        return found;
    }

    /** A header's value as text, or "" when absent. */
    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? "" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
