package app.donna.platform.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a dead letter written outside Spring's recoverer (by the projectors): the original headers plus the same {@code kafka_dlt-*} headers Spring writes and
 * {@code donna_dlt-reason}, so every dead letter reads the same whoever wrote it.
 */
public final class DeadLetterHeaders {

    private DeadLetterHeaders() {}

    public static Headers of(ConsumerRecord<byte[], byte[]> record, String group, Exception error) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        put(headers, "kafka_dlt-original-topic", record.topic());
        put(headers, "kafka_dlt-original-partition", String.valueOf(record.partition()));
        put(headers, "kafka_dlt-original-offset", String.valueOf(record.offset()));
        put(headers, "kafka_dlt-original-timestamp", String.valueOf(record.timestamp()));
        put(headers, "kafka_dlt-original-consumer-group", group);
        put(headers, "kafka_dlt-exception-fqcn", error.getClass().getName());
        put(headers, "kafka_dlt-exception-message", String.valueOf(error.getMessage()));
        put(
                headers,
                DonnaKafkaAutoConfiguration.REASON_HEADER,
                error.getClass().getSimpleName() + ": " + error.getMessage());
        return headers;
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
