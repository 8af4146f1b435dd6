package app.donna.email.work;

import app.donna.schemas.Topic;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
        awaitAll(List.of(start(topic, key, event)));
    }

    /** Starts publishing, without waiting: {@link #awaitAll} the sends of a batch together. */
    public CompletableFuture<?> start(Topic<SpecificRecordBase> topic, String key, SpecificRecordBase event) {
        return kafka.send(topic.record(key, event));
    }

    /** @throws IllegalStateException when the broker did not acknowledge them all in time */
    public void awaitAll(List<CompletableFuture<?>> sends) {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(ACKNOWLEDGEMENT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (Exception e) {
            throw new IllegalStateException("events were not published: " + e.getMessage(), e);
        }
    }
}
