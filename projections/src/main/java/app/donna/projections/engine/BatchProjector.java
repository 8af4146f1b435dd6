package app.donna.projections.engine;

import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Runs one {@link Projection} in a Spring for Apache Kafka batch listener container: each poll's records
 * are decoded and their rows written together with the batch's next offsets in one PostgreSQL
 * transaction. On (re)assignment it seeks every partition to the offset stored in PostgreSQL (ADR 2), so
 * a crash or rebalance at any point neither loses nor doubles a row. The container also commits the
 * offsets to Kafka after each batch, only so that consumer lag shows in the usual tools.
 *
 * <p>Failures go to the container's {@link DefaultErrorHandler} as a {@link BatchListenerFailedException}
 * naming the first record not written; the records before it are in the database already. What happens
 * to that record depends on why it failed:
 * <ul>
 *   <li>the database is unreachable: retried from that record with exponential backoff up to
 *       {@code max-backoff}, for as long as it takes; nothing is skipped;
 *   <li>it cannot be decoded, or the database refuses its row as bad data (found by writing the failed
 *       batch one record at a time): dead-lettered at once;
 *   <li>anything else: retried {@code max-attempts} times in all, then dead-lettered.
 * </ul>
 * A dead-lettered record's next offset is stored, so it is not read again. An {@link Error} stops the
 * container (health DOWN); the batch in flight was rolled back and is read again on restart.
 *
 * <p>Consumes: the projection's topics. Produces: their {@code .DLT} topics, through the recoverer given.
 */
public final class BatchProjector implements BatchMessageListener<byte[], byte[]>, ConsumerSeekAware, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchProjector.class);
    /** What the broker waits for before answering a fetch early: well over a busy second of events. */
    private static final int BATCH_BYTES = 1024 * 1024;
    /** First wait after the database failed; doubled on each failure up to the settings' max-backoff. */
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

    private final Projection projection;
    private final DSLContext db;
    private final ProjectorSettings settings;
    private final Clock clock;
    private final RecordTracing tracing;
    private final EventCodec codec = EventCodec.bundled();
    private final Map<String, Topic<?>> topics;
    private final ConcurrentMessageListenerContainer<byte[], byte[]> container;
    private final AtomicLong projected = new AtomicLong();
    private final AtomicLong writeNanos = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private volatile Throwable failure;

    /**
     * @param deadLetters    writes a record that cannot be projected to its dead-letter topic
     * @param consumerConfig the service's consumer settings (cluster and security); the rest is set here
     * @param tracing        continues each record's trace with a {@code project} span
     * @param meters         where the consumer's metrics go (lag included)
     */
    public BatchProjector(
            Projection projection,
            DSLContext db,
            ConsumerRecordRecoverer deadLetters,
            ProjectorSettings settings,
            Map<String, Object> consumerConfig,
            Clock clock,
            RecordTracing tracing,
            MeterRegistry meters) {
        this.projection = projection;
        this.tracing = tracing;
        this.db = db;
        this.settings = settings;
        this.clock = clock;
        this.topics = projection.topics().stream().collect(Collectors.toMap(Topic::name, Function.identity()));
        this.container = container(consumerConfig, errorHandler(deadLetters), meters);
    }

    /** The consumer group: one per projection, whatever the number of instances. */
    public String group() {
        return "donna-projections-" + projection.name();
    }

    public void start() {
        container.start();
    }

    /** Stops consuming, after the batch in hand is written. */
    @Override
    public void close() {
        container.stop();
        log.info(
                "Projector {} stopped after projecting {} events ({} ms decoding, {} ms writing to PostgreSQL)",
                projection.name(),
                projected.get(),
                decodeNanos.get() / 1_000_000,
                writeNanos.get() / 1_000_000);
    }

    /** Events written to the read model since start. */
    public long projectedCount() {
        return projected.get();
    }

    /** Whether the container is consuming: false once it stopped, on an error or otherwise. */
    public boolean isRunning() {
        return failure == null && container.isRunning() && container.isInExpectedState();
    }

    /** Why the projector stopped, if an error stopped it. */
    public Throwable failure() {
        return failure;
    }

    private ConcurrentMessageListenerContainer<byte[], byte[]> container(
            Map<String, Object> consumerConfig, DefaultErrorHandler errorHandler, MeterRegistry meters) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSize());
        // A fetch returns once a batch's worth of bytes is waiting or the batch wait has passed, instead of
        // as soon as one record is there: at a few hundred events a second, one fetch and one transaction
        // per event otherwise.
        if (!settings.batchWait().isZero()) {
            config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, BATCH_BYTES);
            config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int)
                    settings.batchWait().toMillis());
        }
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        // Bytes in, so that a record that cannot be decoded is dead-lettered exactly as it came.
        var consumers =
                new DefaultKafkaConsumerFactory<>(config, ByteArrayDeserializer::new, ByteArrayDeserializer::new);
        // the consumer's own metrics, lag included (kafka.consumer.fetch.manager.records.lag.max)
        consumers.addListener(new MicrometerConsumerListener<>(meters));

        ContainerProperties properties = new ContainerProperties(
                projection.topics().stream().map(Topic::name).toArray(String[]::new));
        properties.setMessageListener(this);
        properties.setPollTimeout(settings.pollTimeout().toMillis());
        // Kafka's offsets are for lag monitoring only (the database's decide where to read): committed after
        // each batch without waiting, and never on assignment.
        properties.setAckMode(ContainerProperties.AckMode.BATCH);
        properties.setSyncCommits(false);
        properties.setAssignmentCommitOption(ContainerProperties.AssignmentCommitOption.NEVER);

        var container = new ConcurrentMessageListenerContainer<>(consumers, properties);
        container.setConcurrency(1);
        container.setBeanName("projector-" + projection.name());
        container.setCommonErrorHandler(errorHandler);
        return container;
    }

    private DefaultErrorHandler errorHandler(ConsumerRecordRecoverer deadLetters) {
        ExponentialBackOff otherFailures = backOff();
        otherFailures.setMaxAttempts(settings.maxAttempts() - 1L);
        BackOff outage = backOff();
        BackOff never = new FixedBackOff(0, 0);
        DefaultErrorHandler handler = new DefaultErrorHandler(
                (record, error) -> {
                    deadLetters.accept(record, error);
                    skip(record);
                },
                otherFailures);
        handler.setBackOffFunction((record, error) -> {
            if (isUndecodable(error) || isBadData(error)) {
                return never;
            }
            return isDatabaseFailure(error) ? outage : null;
        });
        return handler;
    }

    private ExponentialBackOff backOff() {
        ExponentialBackOff backOff = new ExponentialBackOff(FIRST_BACKOFF.toMillis(), 2.0);
        backOff.setMaxInterval(settings.maxBackoff().toMillis());
        return backOff;
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        if (assignments.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored = storedOffsets(assignments.keySet());
        List<TopicPartition> unread = new ArrayList<>();
        for (TopicPartition tp : assignments.keySet()) {
            Long offset = stored.get(tp);
            if (offset == null) {
                unread.add(tp);
            } else {
                callback.seek(tp.topic(), tp.partition(), offset);
            }
        }
        callback.seekToBeginning(unread);
        log.info(
                "Projector {} assigned {}; resuming from offsets stored in PostgreSQL",
                projection.name(),
                assignments.keySet());
    }

    /** On the consumer's thread, when a rebalance or a stop takes partitions away. */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            log.info("Projector {} released {}", projection.name(), partitions);
        }
    }

    /**
     * The stored offsets, waiting for the database if it is down: reading from anywhere else could skip
     * records (Kafka's committed offsets run ahead of a rebuilt read model) or double them.
     */
    private Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions) {
        Duration wait = FIRST_BACKOFF;
        while (true) {
            try {
                return OffsetStore.load(db, projection.name(), partitions);
            } catch (RuntimeException e) {
                if (!isDatabaseFailure(e) || !container.isRunning()) {
                    throw e;
                }
                log.warn(
                        "Projector {} cannot read its offsets yet ({}); retrying in {} ms",
                        projection.name(),
                        e.getMessage(),
                        wait.toMillis());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = wait.multipliedBy(2).compareTo(settings.maxBackoff()) <= 0
                        ? wait.multipliedBy(2)
                        : settings.maxBackoff();
            }
        }
    }

    @Override
    public void onMessage(List<ConsumerRecord<byte[], byte[]>> records) {
        // each record's trace goes on through its projection: a span per record, as long as its batch takes
        List<Span> spans = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            spans.add(tracing.startChild("project", record.headers()).tag("projector", projection.name()));
        }
        try {
            project(records);
        } catch (RuntimeException e) {
            spans.forEach(span -> span.error(e));
            throw e;
        } catch (Error e) {
            failure = e;
            log.error("Projector {} stopped on an unexpected error", projection.name(), e);
            throw e;
        } finally {
            spans.forEach(Span::end);
        }
    }

    /**
     * Writes the records up to the first that cannot be decoded, then hands that one to the error handler.
     * The records after it come again in the next poll.
     */
    private void project(List<ConsumerRecord<byte[], byte[]>> records) {
        long decodeStart = System.nanoTime();
        List<ProjectedEvent> events = new ArrayList<>(records.size());
        RuntimeException undecodable = null;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                events.add(decode(record));
            } catch (EventCodec.EventDecodingException | IllegalArgumentException e) {
                undecodable = e;
                break;
            }
        }
        decodeNanos.addAndGet(System.nanoTime() - decodeStart);
        write(events);
        if (undecodable != null) {
            throw new BatchListenerFailedException("undecodable record", undecodable, events.size());
        }
    }

    /**
     * Writes {@code events} in one transaction; if the database refuses the batch for anything but being
     * unreachable, writes them one by one to find the record it refuses.
     */
    private void write(List<ProjectedEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            writeAtomically(events);
        } catch (RuntimeException e) {
            if (isDatabaseFailure(e) && !isBadData(e)) {
                log.error(
                        "Projector {} could not write a batch of {} records ({}); the error handler retries it with backoff",
                        projection.name(),
                        events.size(),
                        e.getMessage());
                throw new BatchListenerFailedException("database unavailable", e, 0);
            }
            log.warn(
                    "Projector {}: a batch of {} failed ({}, SQLSTATE {}); isolating the record",
                    projection.name(),
                    events.size(),
                    e.getClass().getSimpleName(),
                    sqlState(e).orElse("-"));
            for (int i = 0; i < events.size(); i++) {
                try {
                    writeAtomically(events.subList(i, i + 1));
                } catch (RuntimeException single) {
                    throw new BatchListenerFailedException("record refused", single, i);
                }
            }
        }
    }

    private void writeAtomically(List<ProjectedEvent> events) {
        long start = System.nanoTime();
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (ProjectedEvent e : events) {
            next.put(new TopicPartition(e.topic(), e.partition()), e.offset() + 1);
        }
        db.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            if (!settings.synchronousCommit()) {
                // Safe for a projection: a database crash can lose only the last commits' rows *and* their
                // offsets together, and the projector then reads those records again from Kafka.
                tx.execute("SET LOCAL synchronous_commit = off");
            }
            projection.apply(tx, events);
            OffsetStore.save(tx, projection.name(), next, clock.instant());
        });
        projected.addAndGet(events.size());
        writeNanos.addAndGet(System.nanoTime() - start);
    }

    /** After a record was dead-lettered: its partition goes on from the next one, across restarts too. */
    private void skip(ConsumerRecord<?, ?> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        db.transaction(cfg ->
                OffsetStore.save(cfg.dsl(), projection.name(), Map.of(tp, record.offset() + 1), clock.instant()));
    }

    private ProjectedEvent decode(ConsumerRecord<byte[], byte[]> record) {
        SpecificRecordBase event = codec.decode(record.value());
        Topic<?> topic = topics.get(record.topic());
        if (!topic.readable(event.getClass())) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " does not belong on " + topic.name());
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return new ProjectedEvent(record.topic(), record.partition(), record.offset(), key, event);
    }

    private static boolean isUndecodable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EventCodec.EventDecodingException || t instanceof IllegalArgumentException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The database refused the data itself (SQLSTATE class 22, data exception, or 23, integrity
     * constraint violation): retrying the same rows cannot succeed. Found through the cause chain, since
     * jOOQ and Spring each wrap the driver's exception in their own.
     */
    static boolean isBadData(Throwable e) {
        return sqlState(e)
                .map(state -> state.startsWith("22") || state.startsWith("23"))
                .orElse(false);
    }

    /** A failure of the database (any SQL error that is not bad data): retried with backoff. */
    static boolean isDatabaseFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException
                    || t instanceof DataAccessException
                    || t instanceof org.springframework.dao.DataAccessException) {
                return true;
            }
        }
        return false;
    }

    static Optional<String> sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
                return Optional.of(sql.getSQLState());
            }
        }
        return Optional.empty();
    }
}
