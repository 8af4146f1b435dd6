package app.donna.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import app.donna.schemas.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records Kafka Streams cannot decode to {@code <topic>.DLT} (bytes untouched, the same
 * {@code kafka_dlt-*} and {@code donna_dlt-reason} headers as everywhere else) and lets the stream go on.
 * If the dead letter cannot be written, the stream stops rather than lose the record.
 */
public final class DeadLetteringDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DeadLetteringDeserializationHandler.class);

    private KafkaProducer<byte[], byte[]> producer;
    private String group;

    @Override
    public void configure(Map<String, ?> configs) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, configs.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, configs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-dead-letters");
        group = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        Headers headers = DeadLetterHeaders.of(record, group, exception);
        try {
            producer.send(new ProducerRecord<>(record.topic() + Topic.DEAD_LETTER_SUFFIX, record.partition(),
                    record.key(), record.value(), headers)).get(30, TimeUnit.SECONDS);
            log.error("Dead-lettered undecodable record {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), exception.getMessage());
            return DeserializationHandlerResponse.CONTINUE;
        } catch (Exception e) {
            log.error("Could not dead-letter {}-{}@{}; stopping", record.topic(), record.partition(), record.offset(), e);
            return DeserializationHandlerResponse.FAIL;
        }
    }

}
