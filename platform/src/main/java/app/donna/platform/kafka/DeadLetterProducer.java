package app.donna.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The producer a stream application's {@link DeadLetteringDeserializationHandler}s share, made when the
 * first record needs dead-lettering (most applications never do) and closed with the application.
 *
 * <p>It writes to the cluster the application reads, as the application's own producers connect:
 * its settings are those Kafka Streams derives for a producer from the application's config (connection,
 * security and {@code producer.}-prefixed settings included), without the transactions.
 */
public final class DeadLetterProducer implements AutoCloseable {

    private final String applicationId;
    private final Map<String, Object> config;
    private final DeadLetterLedger ledger;
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    /** @param streamsConfig the stream application's config */
    public DeadLetterProducer(Map<?, ?> streamsConfig) {
        Map<Object, Object> nonTransactional = new HashMap<>(streamsConfig);
        // Kafka Streams' exactly-once producer settings (no delivery timeout, a transaction timeout) are
        // for its transactional producers; dead letters are written one by one, outside any transaction.
        nonTransactional.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        StreamsConfig streams = new StreamsConfig(nonTransactional);
        this.applicationId = streams.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<String, Object> producerConfig = streams.getProducerConfigs(applicationId + "-dead-letters");
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A stream thread waits for each dead letter: nothing to batch it with.
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        producerConfig.remove(DeadLetteringDeserializationHandler.PRODUCER_CONFIG);
        this.config = producerConfig;
        Map<String, Object> checkConfig = streams.getRestoreConsumerConfigs(applicationId + "-dead-letter-check");
        checkConfig.remove(DeadLetteringDeserializationHandler.PRODUCER_CONFIG);
        this.ledger = new DeadLetterLedger(checkConfig);
    }

    /** What is on the dead-letter topics already. */
    DeadLetterLedger ledger() {
        return ledger;
    }

    /** The settings the producer is made with. */
    Map<String, Object> config() {
        return Map.copyOf(config);
    }

    synchronized Producer<byte[], byte[]> get() {
        if (closed) {
            throw new IllegalStateException("the dead-letter producer of " + applicationId + " is closed");
        }
        if (producer == null) {
            producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close();
            producer = null;
        }
    }
}
