package app.donna.platform.kafka;

import app.donna.schemas.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.support.ProducerListener;

/**
 * Counts each dead letter the broker took ({@code donna.dead.letters}, tag {@code topic}: the topic the
 * record came from), whichever path wrote it: a listener's error handler, a stream's deserialization
 * handler or the projector, and logs it at ERROR (so Sentry reports it): any dead letter is a record set
 * aside unprocessed, for an operator to read.
 */
final class DeadLetterReporter implements ProducerListener<Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterReporter.class);

    private final MeterRegistry registry;

    DeadLetterReporter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onSuccess(ProducerRecord<Object, Object> record, RecordMetadata metadata) {
        String deadLetterTopic = record.topic();
        String topic = deadLetterTopic.endsWith(Topic.DEAD_LETTER_SUFFIX)
                ? deadLetterTopic.substring(0, deadLetterTopic.length() - Topic.DEAD_LETTER_SUFFIX.length())
                : deadLetterTopic;
        Header reason = record.headers().lastHeader(DonnaKafkaAutoConfiguration.REASON_HEADER);
        log.error(
                "A record of {} (partition {}) was set aside on {}: {}",
                topic,
                metadata.partition(),
                deadLetterTopic,
                reason == null ? "no reason given" : new String(reason.value(), StandardCharsets.UTF_8));
        Counter.builder("donna.dead.letters")
                .description("Records set aside on their topic's dead-letter topic")
                .tag("topic", topic)
                .register(registry)
                .increment();
    }
}
