package app.donna.chat.stream;

import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventSerializer;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes reply deltas to {@code donna.chat.reply-fragments} outside the stream's transaction, so browsers see
 * them while the model is still writing. A delta is ephemeral: lost or repeated ones (after a retry, with
 * the same reply id and sequence) are harmless, because the final ChatReplyProduced, written
 * exactly once, carries the whole text. So is a ChatReplyDelayed notice: the reply follows it. Each
 * record carries the trace of the span current where it is published (the model call, or the answer).
 *
 * <p>Publishing never blocks its caller (a model-call thread streaming an answer, or a stream thread):
 * records are handed to one publisher thread, in order. A producer's {@code send} can block for
 * {@code max.block.ms} when the broker is away (its metadata gone, its buffer full); on a model-call
 * thread that once held the answer past its deadline, and a good answer became an offline one
 * ({@code ChatSliceEndToEndTest}, a broker outage mid-answer). When a send blocked that long, the records
 * published in the next second are given up at once instead of each waiting its turn to block, so a
 * reply held until its fragments are written or given up waits seconds, not minutes.
 */
public final class KafkaDeltaSink implements DeltaSink, MeterBinder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaDeltaSink.class);

    /** Records waiting for the publisher thread; more are given up (they are previews). */
    static final int QUEUED = 4_096;

    /** How long after a send blocked for {@code max.block.ms} records are given up without trying. */
    static final Duration UNAVAILABLE_FOR = Duration.ofSeconds(1);

    private final KafkaProducer<String, SpecificRecordBase> producer;
    private final RecordTracing tracing;
    private final ThreadPoolExecutor publisher = new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUED),
            Thread.ofPlatform().name("chat-fragments-publisher").daemon().factory());
    /** Until when (nanoTime) the broker is taken to be away. */
    private volatile long unavailableUntil = System.nanoTime();

    private final AtomicLong lostCount = new AtomicLong();

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
        CompletableFuture<Void> done = new CompletableFuture<>();
        // the trace is the caller's: taken here, on its thread
        ProducerRecord<String, SpecificRecordBase> record = Topics.CHAT_REPLY_FRAGMENTS.record(session, event);
        tracing.injectCurrent(record.headers());
        try {
            publisher.execute(() -> publish(record, what, done));
        } catch (RejectedExecutionException e) {
            lost(what, "too many waiting to be published (" + QUEUED + ")", done);
        }
        return done;
    }

    /** On the publisher thread. */
    private void publish(
            ProducerRecord<String, SpecificRecordBase> record, Supplier<String> what, CompletableFuture<Void> done) {
        if (System.nanoTime() - unavailableUntil < 0) {
            lost(what, "the broker was away a moment ago", done);
            return;
        }
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    done.complete(null);
                    return;
                }
                // no metadata within max.block.ms (the send blocked that long), or not delivered within
                // delivery.timeout.ms: the broker is away
                if (error instanceof TimeoutException) {
                    unavailableUntil = System.nanoTime() + UNAVAILABLE_FOR.toNanos();
                }
                lost(what, error.getMessage(), done);
            });
        } catch (RuntimeException e) {
            // closed while shutting down, or the buffer full for longer than max.block.ms
            unavailableUntil = System.nanoTime() + UNAVAILABLE_FOR.toNanos();
            lost(what, e.getMessage(), done);
        }
    }

    private void lost(Supplier<String> what, String why, CompletableFuture<Void> done) {
        // one line per outage, not one per fragment: the first, then every hundredth
        if (lostCount.getAndIncrement() % 100 == 0) {
            log.warn("Could not publish {}: {} ({} given up so far)", what.get(), why, lostCount.get());
        }
        done.complete(null);
    }

    /** Fragments and notices given up on so far. */
    long lost() {
        return lostCount.get();
    }

    /** The producer's own metrics ({@code kafka.producer.*}), bound by Spring Boot as for its own clients. */
    @Override
    public void bindTo(MeterRegistry registry) {
        new KafkaClientMetrics(producer).bindTo(registry);
        FunctionCounter.builder("donna.chat.reply.fragments.lost", lostCount, AtomicLong::get)
                .description("Reply fragments and delay notices given up on: the broker was away, or too many waited")
                .register(registry);
    }

    @Override
    public void close() {
        publisher.shutdown();
        try {
            if (!publisher.awaitTermination(5, TimeUnit.SECONDS)) {
                publisher.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
