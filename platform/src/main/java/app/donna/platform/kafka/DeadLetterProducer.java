package app.donna.platform.kafka;

import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The producer a stream application's {@link DeadLetteringDeserializationHandler}s share, made when the
 * first record needs dead-lettering (most applications never do) and closed with the application.
 */
public final class DeadLetterProducer implements AutoCloseable {

    private final String bootstrapServers;
    private final String applicationId;
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    public DeadLetterProducer(String bootstrapServers, String applicationId) {
        this.bootstrapServers = bootstrapServers;
        this.applicationId = applicationId;
    }

    synchronized Producer<byte[], byte[]> get() {
        if (closed) {
            throw new IllegalStateException("the dead-letter producer of " + applicationId + " is closed");
        }
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.CLIENT_ID_CONFIG, applicationId + "-dead-letters"),
                    new ByteArraySerializer(), new ByteArraySerializer());
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
