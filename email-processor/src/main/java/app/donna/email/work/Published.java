package app.donna.email.work;

import app.donna.schemas.Topic;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes an event and waits until the broker has it: what email-processor does before it commits the
 * offset of the job or mail that led to it, or records the work done, so a failure here has that work
 * read (or claimed) again rather than lost. Every event it publishes has an id derived from what caused
 * it, so publishing it again is harmless.
 */
@Component
public class Published {

    private static final long ACKNOWLEDGEMENT_SECONDS = 30;

    private final KafkaTemplate<String, SpecificRecordBase> kafka;

    Published(KafkaTemplate<String, SpecificRecordBase> kafka) {
        this.kafka = kafka;
    }

    /** @throws IllegalStateException when the broker did not acknowledge it in time */
    public void on(Topic<SpecificRecordBase> topic, String key, SpecificRecordBase event) {
        try {
            kafka.send(topic.record(key, event)).get(ACKNOWLEDGEMENT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while publishing " + event.getSchema().getName(), e);
        } catch (Exception e) {
            throw new IllegalStateException(event.getSchema().getName() + " was not published", e);
        }
    }
}
