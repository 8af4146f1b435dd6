package app.donna.chat.stream;

import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventSerializer;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes reply deltas to {@code donna.chat.reply-fragments} outside the stream's transaction, so browsers see
 * them while the model is still writing. A delta is ephemeral: lost or repeated ones (after a retry, with
 * the same reply id and sequence) are harmless, because the final ChatReplyProduced, written
 * exactly once, carries the whole text. So is a ChatReplyDelayed notice: the reply follows it. Each
 * record carries the trace of the span current where it is published (the model call, or the answer).
 */
public final class KafkaDeltaSink implements DeltaSink, MeterBinder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaDeltaSink.class);

    private final KafkaProducer<String, SpecificRecordBase> producer;
    private final RecordTracing tracing;

    /** @param producerConfig the service's producer settings, connection and security included */
    public KafkaDeltaSink(Map<String, Object> producerConfig, RecordTracing tracing) {
        this.tracing = tracing;
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Fragments of many replies share requests to the broker; 5 ms is below what a reader can notice.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // The final reply waits for its fragments to be written (ReplyProcessor): a fragment the broker has
        // not taken within seconds is given up on rather than holding the reply for the default two minutes.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        // Offline answers and delay notices are sometimes sent from a stream thread: while the broker is away,
        // send() must not hold that thread for the default minute waiting for metadata.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "chat-processor-deltas");
        config.put(EventSerializer.SOURCE_CONFIG, "chat-processor");
        CatalogSerializer values = new CatalogSerializer();
        values.configure(config, false);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), values);
    }

    @Override
    public Future<?> publish(ChatReplyDelta delta) {
        return send(
                delta.getSessionId().toString(),
                delta,
                () -> "delta " + delta.getSequence() + " of reply " + delta.getReplyId());
    }

    @Override
    public Future<?> publish(ChatReplyDelayed delayed) {
        return send(delayed.getSessionId().toString(), delayed, () -> "delay notice of reply " + delayed.getReplyId());
    }

    private Future<?> send(String session, SpecificRecordBase event, Supplier<String> what) {
        try {
            ProducerRecord<String, SpecificRecordBase> record = Topics.CHAT_REPLY_FRAGMENTS.record(session, event);
            tracing.injectCurrent(record.headers());
            return producer.send(record, (metadata, error) -> {
                if (error != null) {
                    lost(what, error);
                }
            });
        } catch (RuntimeException e) {
            lost(what, e); // closed while shutting down, or the buffer full for longer than max.block.ms
            return CompletableFuture.completedFuture(null);
        }
    }

    private static void lost(Supplier<String> what, Exception error) {
        log.warn("Could not publish {}: {}", what.get(), error.getMessage());
    }

    /** The producer's own metrics ({@code kafka.producer.*}), bound by Spring Boot as for its own clients. */
    @Override
    public void bindTo(MeterRegistry registry) {
        new KafkaClientMetrics(producer).bindTo(registry);
    }

    @Override
    public void close() {
        producer.close();
    }
}
