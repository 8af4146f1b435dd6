package app.donna.ingress.publishing;

import app.donna.platform.web.Problems;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes an event and waits for the broker's acknowledgement, so a caller is told "accepted" only when
 * the event is safe. One deadline covers the whole publish: {@code send()} itself may block that long for
 * the topic's metadata while the broker is away (the producer's {@code max.block.ms} is set to the publish
 * timeout). The request's trace goes on in the record's headers (the template is observed).
 */
@Component
public class AcknowledgedPublisher {

    private static final Logger log = LoggerFactory.getLogger(AcknowledgedPublisher.class);

    private final KafkaTemplate<String, SpecificRecordBase> kafka;

    AcknowledgedPublisher(KafkaTemplate<String, SpecificRecordBase> kafka) {
        this.kafka = kafka;
    }

    /** The answer when {@link #publish} was not acknowledged: 503, retry in 5 s, and how to retry safely. */
    public static ResponseEntity<ProblemDetail> notAcknowledged(String detail) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "5")
                .body(Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "not-acknowledged", "Not acknowledged", detail));
    }

    /**
     * True once the broker has the record. False when it did not say so within {@code timeout}: it may
     * still have it (a send that timed out here can complete later), so the outcome is unknown, and a retry
     * must be safe (the caller's idempotency key, a derived event id).
     */
    public boolean publish(ProducerRecord<String, ? extends SpecificRecordBase> record, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            kafka.send(widened(record)).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | KafkaException | org.springframework.kafka.KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.error(
                    "No acknowledgement within {} for {} {} (key {}) on {}: {}",
                    timeout,
                    record.value().getSchema().getName(),
                    record.value().get("eventId"),
                    record.key(),
                    record.topic(),
                    String.valueOf(cause));
            return false;
        }
    }

    /** A record of one event type, as the template of all event types takes it. */
    @SuppressWarnings("unchecked")
    private static ProducerRecord<String, SpecificRecordBase> widened(
            ProducerRecord<String, ? extends SpecificRecordBase> record) {
        return (ProducerRecord<String, SpecificRecordBase>) record;
    }
}
