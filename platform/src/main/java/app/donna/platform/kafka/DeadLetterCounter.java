package app.donna.platform.kafka;

import app.donna.schemas.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.kafka.support.ProducerListener;

/**
 * Counts each dead letter the broker took ({@code donna.dead.letters}, tag {@code topic}: the topic the
 * record came from), whichever path wrote it: a listener's error handler, a stream's deserialization
 * handler or the projector. Any increase means a record was set aside unprocessed.
 */
final class DeadLetterCounter implements ProducerListener<Object, Object> {

    private final MeterRegistry registry;

    DeadLetterCounter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onSuccess(ProducerRecord<Object, Object> record, RecordMetadata metadata) {
        String deadLetterTopic = record.topic();
        String topic = deadLetterTopic.endsWith(Topic.DEAD_LETTER_SUFFIX)
                ? deadLetterTopic.substring(0, deadLetterTopic.length() - Topic.DEAD_LETTER_SUFFIX.length())
                : deadLetterTopic;
        Counter.builder("donna.dead.letters")
                .description("Records set aside on their topic's dead-letter topic")
                .tag("topic", topic)
                .register(registry)
                .increment();
    }
}
