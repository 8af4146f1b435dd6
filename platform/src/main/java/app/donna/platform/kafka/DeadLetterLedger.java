package app.donna.platform.kafka;

import app.donna.schemas.Topic;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Whether a record is on its topic's dead-letter topic already, whoever put it there: one bad record
 * gets one dead letter, not one per consumer group that reads it, nor another each time a read model is
 * rebuilt. A dead letter goes to the same partition number of {@code <topic>.DLT} as its record had, and
 * names its origin in {@code kafka_dlt-original-*} headers (in Spring's binary form or as text); that partition is read through when a record
 * fails (rare, and dead-letter topics are small). Two groups failing on one record at the same moment
 * may still both write it.
 */
public final class DeadLetterLedger {

    private static final Duration GIVE_UP = Duration.ofSeconds(30);

    private final Map<String, Object> consumerConfig;

    /** @param consumerConfig the service's consumer settings (cluster and security); the rest is set here */
    public DeadLetterLedger(Map<String, Object> consumerConfig) {
        Map<String, Object> config = KafkaClientProperties.assigningReader(consumerConfig);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumerConfig = config;
    }

    /** Whether {@code record} has a dead letter already. */
    public boolean holds(ConsumerRecord<?, ?> record) {
        TopicPartition dlt = new TopicPartition(record.topic() + Topic.DEAD_LETTER_SUFFIX, record.partition());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(dlt));
            consumer.seekToBeginning(List.of(dlt));
            long end = consumer.endOffsets(List.of(dlt), GIVE_UP).get(dlt);
            long deadline = System.nanoTime() + GIVE_UP.toNanos();
            while (consumer.position(dlt) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> dead : consumer.poll(Duration.ofMillis(200))) {
                    if (Long.valueOf(record.offset()).equals(number(dead, "kafka_dlt-original-offset"))
                            && Long.valueOf(record.partition()).equals(number(dead, "kafka_dlt-original-partition"))
                            && record.topic().equals(header(dead, "kafka_dlt-original-topic"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * A number header as Spring's {@code DeadLetterPublishingRecoverer} writes it (big-endian binary: 4
     * bytes for a partition, 8 for an offset) or as {@link DeadLetterHeaders} does (decimal text). Text is
     * told apart by its bytes being digits: a binary partition or offset of any real size starts with a
     * zero byte.
     */
    static Long number(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        byte[] value = header == null ? null : header.value();
        if (value == null || value.length == 0) {
            return null;
        }
        boolean digits = true;
        for (byte b : value) {
            digits &= b >= '0' && b <= '9';
        }
        if (digits) {
            return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        }
        return switch (value.length) {
            case Integer.BYTES -> (long) ByteBuffer.wrap(value).getInt();
            case Long.BYTES -> ByteBuffer.wrap(value).getLong();
            default -> null;
        };
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
