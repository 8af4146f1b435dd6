package app.donna.projections.engine;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import app.donna.schemas.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes records a projector cannot use to {@code <topic>.DLT}: key and value bytes untouched, the
 * original headers, and the same {@code kafka_dlt-*} headers Spring's recoverer writes (plus
 * {@code donna_dlt-reason}), so one replay tool handles every dead letter. Waits for the broker's
 * acknowledgement: the projector records the offset as done only after that.
 */
public final class DeadLetters implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    public DeadLetters(Map<String, Object> producerConfig) {
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void publish(ConsumerRecord<byte[], byte[]> record, String group, Exception error) {
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(record.topic() + Topic.DEAD_LETTER_SUFFIX,
                record.partition(), record.key(), record.value(), new RecordHeaders(record.headers().toArray()));
        Headers h = dead.headers();
        put(h, "kafka_dlt-original-topic", record.topic());
        put(h, "kafka_dlt-original-partition", Integer.toString(record.partition()));
        put(h, "kafka_dlt-original-offset", Long.toString(record.offset()));
        put(h, "kafka_dlt-original-timestamp", Long.toString(record.timestamp()));
        put(h, "kafka_dlt-original-consumer-group", group);
        put(h, "kafka_dlt-exception-fqcn", error.getClass().getName());
        put(h, "kafka_dlt-exception-message", String.valueOf(error.getMessage()));
        put(h, "donna_dlt-reason", error.getClass().getSimpleName() + ": " + error.getMessage());
        try {
            producer.send(dead).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish dead letter to " + dead.topic(), e);
        }
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close();
    }
}
