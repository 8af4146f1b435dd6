package app.donna.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;

/**
 * Dead letters of the projectors and of Kafka Streams' undecodable records: written by the platform's one
 * {@code DeadLetterPublishingRecoverer} (key and value bytes untouched, the original headers, Spring's
 * {@code kafka_dlt-*} headers and {@code donna_dlt-reason}, acknowledged by the broker before it returns;
 * {@link DeadLetterReporter} logs and counts each), unless the record is on its dead-letter topic already,
 * put there by another consumer group, by a stream thread before a crash, or by a projector before its
 * read model was rebuilt. One bad record, one dead letter.
 */
public final class DeduplicatedDeadLetters implements ConsumerRecordRecoverer {

    private static final Logger log = LoggerFactory.getLogger(DeduplicatedDeadLetters.class);

    private final ConsumerRecordRecoverer publisher;
    private final DeadLetterLedger ledger;

    /**
     * @param publisher the platform's {@code DeadLetterPublishingRecoverer}
     * @param ledger    where dead letters already written are looked up
     */
    public DeduplicatedDeadLetters(ConsumerRecordRecoverer publisher, DeadLetterLedger ledger) {
        this.publisher = publisher;
        this.ledger = ledger;
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Exception error) {
        publish(record, error);
    }

    /**
     * Dead-letters {@code record} unless it is on the dead-letter topic already.
     *
     * @return whether a dead letter was written
     */
    public boolean publish(ConsumerRecord<?, ?> record, Exception error) {
        boolean written = !ledger.holds(record);
        if (written) {
            publisher.accept(record, error);
        } else {
            log.warn(
                    "Not dead-lettering record {}-{}@{} again: it is on its dead-letter topic already ({})",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    rootMessage(error));
        }
        return written;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(error);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
