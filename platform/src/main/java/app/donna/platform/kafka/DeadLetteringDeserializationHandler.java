package app.donna.platform.kafka;

import app.donna.schemas.Topic;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records Kafka Streams cannot decode to {@code <topic>.DLT} (bytes untouched, the same
 * {@code kafka_dlt-*} and {@code donna_dlt-reason} headers as everywhere else) and lets the stream go on.
 * If the dead letter cannot be written, the stream stops rather than lose the record.
 *
 * <p>Kafka Streams makes a handler for every task and never closes it, so the handler does not own its
 * producer: {@link ManagedStreams} puts one {@link DeadLetterProducer} per application into the config
 * under {@value #PRODUCER_CONFIG} and closes it when the application stops. A handler configured without
 * one (a topology test) makes its own from the same config, created only when a record needs
 * dead-lettering.
 */
public final class DeadLetteringDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DeadLetteringDeserializationHandler.class);

    /** The config key under which the application's shared {@link DeadLetterProducer} is passed. */
    public static final String PRODUCER_CONFIG = "donna.dead-letter.producer";

    private DeadLetterProducer producer;
    private String group;

    @Override
    public void configure(Map<String, ?> configs) {
        group = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        producer = configs.get(PRODUCER_CONFIG) instanceof DeadLetterProducer shared
                ? shared
                : new DeadLetterProducer(configs);
    }

    @Override
    public DeserializationHandlerResponse handle(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        Headers headers = DeadLetterHeaders.of(record, group, exception);
        try {
            if (producer.ledger().holds(record)) {
                log.error(
                        "Undecodable record {}-{}@{} ({}) is on {}{} already; not dead-lettering it again",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        exception.getMessage(),
                        record.topic(),
                        Topic.DEAD_LETTER_SUFFIX);
                return DeserializationHandlerResponse.CONTINUE;
            }
            producer.get()
                    .send(new ProducerRecord<>(
                            record.topic() + Topic.DEAD_LETTER_SUFFIX,
                            record.partition(),
                            record.key(),
                            record.value(),
                            headers))
                    .get(30, TimeUnit.SECONDS);
            log.error(
                    "Dead-lettered undecodable record {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    exception.getMessage());
            return DeserializationHandlerResponse.CONTINUE;
        } catch (Exception e) {
            log.error(
                    "Could not dead-letter {}-{}@{}; stopping", record.topic(), record.partition(), record.offset(), e);
            return DeserializationHandlerResponse.FAIL;
        }
    }
}
