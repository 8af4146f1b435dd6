package app.donna.projections.engine;

import app.donna.platform.kafka.DeadLetterHeaders;
import app.donna.platform.kafka.DeadLetterLedger;
import app.donna.schemas.Topic;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes records a projector cannot use to {@code <topic>.DLT}: key and value bytes untouched, the
 * original headers, and the same {@code kafka_dlt-*} headers Spring's recoverer writes (plus
 * {@code donna_dlt-reason}), so one replay tool handles every dead letter. Waits for the broker's
 * acknowledgement: the projector records the offset as done only after that.
 */
public final class DeadLetters implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final DeadLetterLedger ledger;

    /** For a cluster reached by {@code config} alone (tests, benchmarks on the embedded broker). */
    public DeadLetters(Map<String, Object> config) {
        this(config, config);
    }

    public DeadLetters(Map<String, Object> producerConfig, Map<String, Object> consumerConfig) {
        this.ledger = new DeadLetterLedger(consumerConfig);
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Dead-letters {@code record} unless it is on the dead-letter topic already (put there by another
     * group, or by this projector before a rebuild).
     *
     * @return whether a dead letter was written
     */
    public boolean publish(ConsumerRecord<byte[], byte[]> record, String group, Exception error) {
        if (ledger.holds(record)) {
            return false;
        }
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(
                record.topic() + Topic.DEAD_LETTER_SUFFIX,
                record.partition(),
                record.key(),
                record.value(),
                DeadLetterHeaders.of(record, group, error));
        try {
            producer.send(dead).get(30, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish dead letter to " + dead.topic(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
