package app.donna.projections.engine;

import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Projection}: polls its topics in batches, decodes each record, and writes the batch's
 * rows together with the batch's next offsets in one PostgreSQL transaction. On (re)assignment it seeks
 * every partition to the offset stored in PostgreSQL, so a crash or rebalance at any point neither loses
 * nor doubles a row. Kafka's committed offsets are written too, after the database commit, only so that
 * consumer lag shows in the usual tools.
 *
 * <p>Consumes: the projection's topics. Produces: their {@code .DLT} topics, for records that cannot be
 * decoded, and for records whose rows the database refuses as bad data (found by retrying the failed
 * batch one record at a time). While the database is unreachable it retries with backoff and never
 * skips.
 */
public final class BatchProjector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchProjector.class);
    /** What the broker waits for before answering a fetch early: well over a busy second of events. */
    private static final int BATCH_BYTES = 1024 * 1024;

    private final Projection projection;
    private final DSLContext db;
    private final DeadLetters deadLetters;
    private final ProjectorSettings settings;
    private final Map<String, Object> consumerConfig;
    private final EventCodec codec = EventCodec.bundled();
    private final Clock clock;
    private final String group;
    private final AtomicLong projected = new AtomicLong();
    private final AtomicLong writeNanos = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Throwable failure;
    private Thread thread;

    public BatchProjector(
            Projection projection,
            DSLContext db,
            DeadLetters deadLetters,
            ProjectorSettings settings,
            Map<String, Object> consumerConfig,
            Clock clock) {
        this.projection = projection;
        this.db = db;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.consumerConfig = consumerConfig;
        this.clock = clock;
        this.group = "donna-projections-" + projection.name();
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name("projector-" + projection.name()).start(this::run);
    }

    /** Events written to the read model since start. */
    public long projectedCount() {
        return projected.get();
    }

    public boolean isRunning() {
        return running && failure == null && thread != null && thread.isAlive();
    }

    /** Why the projector thread died, if it did. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                log.warn("Projector {} did not stop within 30 s", projection.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
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
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(projection.topics().stream().map(Topic::name).toList(), new SeekToStoredOffsets(c));
            log.info(
                    "Projector {} consuming {}",
                    projection.name(),
                    projection.topics().stream().map(Topic::name).toList());
            Duration backoff = Duration.ofMillis(200);
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(settings.pollTimeout());
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    project(c, records);
                    backoff = Duration.ofMillis(200);
                } catch (RuntimeException e) {
                    if (!isDatabaseFailure(e)) {
                        throw e;
                    }
                    log.error(
                            "Projector {} could not write a batch of {} records; retrying in {} ms",
                            projection.name(),
                            records.count(),
                            backoff.toMillis(),
                            e);
                    rewind(c, records.partitions());
                    sleep(backoff);
                    backoff = min(backoff.multipliedBy(2), settings.maxBackoff());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (Throwable t) {
            failure = t;
            // Health turns DOWN; the batch in flight was rolled back and is read again on restart.
            log.error("Projector {} stopped on an unexpected error", projection.name(), t);
        } finally {
            running = false;
            consumer = null;
            stopped.countDown();
            log.info(
                    "Projector {} stopped after projecting {} events ({} ms decoding, {} ms writing to PostgreSQL)",
                    projection.name(),
                    projected.get(),
                    decodeNanos.get() / 1_000_000,
                    writeNanos.get() / 1_000_000);
        }
    }

    private void project(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        List<ProjectedEvent> events = new ArrayList<>(records.count());
        List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.count());
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        long decodeStart = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            try {
                events.add(decode(record));
                sources.add(record);
            } catch (EventCodec.EventDecodingException | IllegalArgumentException e) {
                boolean written = deadLetters.publish(record, group, e);
                log.error(
                        "{} undecodable record {}-{}@{}: {}",
                        written ? "Dead-lettered" : "Skipped (already on the DLT)",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        e.getMessage());
            }
        }
        long writeStart = System.nanoTime();
        decodeNanos.addAndGet(writeStart - decodeStart);
        try {
            writeAtomically(events, next);
            writeNanos.addAndGet(System.nanoTime() - writeStart);
        } catch (RuntimeException e) {
            if (!isBadData(e)) {
                throw e;
            }
            log.warn(
                    "Projector {}: the database refused a batch as bad data ({}); isolating the record",
                    projection.name(),
                    sqlState(e).orElse("?"));
            projectOneByOne(events, sources, next);
        }
        projected.addAndGet(events.size());
        c.commitAsync(toCommit(next), null);
    }

    /** After a batch failed on bad data: each record in its own transaction; the one that fails is dead. */
    private void projectOneByOne(
            List<ProjectedEvent> events,
            List<ConsumerRecord<byte[], byte[]>> sources,
            Map<TopicPartition, Long> batchNext) {
        for (int i = 0; i < events.size(); i++) {
            ProjectedEvent event = events.get(i);
            TopicPartition tp = new TopicPartition(event.topic(), event.partition());
            Map<TopicPartition, Long> next = Map.of(tp, event.offset() + 1);
            try {
                writeAtomically(List.of(event), next);
            } catch (RuntimeException e) {
                if (!isBadData(e)) {
                    throw e;
                }
                boolean written = deadLetters.publish(sources.get(i), group, e);
                log.error(
                        "{} record {}-{}@{} the database refused: {}",
                        written ? "Dead-lettered" : "Skipped (already on the DLT)",
                        event.topic(),
                        event.partition(),
                        event.offset(),
                        e.getMessage());
                writeAtomically(List.of(), next);
            }
        }
        // offsets of dead-lettered undecodable records at the batch's end
        writeAtomically(List.of(), batchNext);
    }

    private void writeAtomically(List<ProjectedEvent> events, Map<TopicPartition, Long> next) {
        db.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            if (!settings.synchronousCommit()) {
                // Safe for a projection: a database crash can lose only the last commits' rows *and* their
                // offsets together, and the projector then reads those records again from Kafka.
                tx.execute("SET LOCAL synchronous_commit = off");
            }
            if (!events.isEmpty()) {
                projection.apply(tx, events);
            }
            OffsetStore.save(tx, projection.name(), next, clock.instant());
        });
    }

    private ProjectedEvent decode(ConsumerRecord<byte[], byte[]> record) {
        SpecificRecordBase event = codec.decode(record.value());
        Topic topic = projection.topics().stream()
                .filter(t -> t.name().equals(record.topic()))
                .findFirst()
                .orElseThrow();
        if (!topic.carries(event.getClass())) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " does not belong on " + topic.name());
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return new ProjectedEvent(record.topic(), record.partition(), record.offset(), key, event);
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

    private void rewind(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> partitions) {
        try {
            seekToStored(c, partitions);
        } catch (RuntimeException e) {
            // the database is still down: seek back to the batch start so nothing is skipped
            log.warn("Projector {} cannot read its offsets yet: {}", projection.name(), e.getMessage());
            c.committed(new java.util.HashSet<>(partitions)).forEach((tp, om) -> {
                if (om != null) {
                    c.seek(tp, om.offset());
                } else {
                    c.seekToBeginning(List.of(tp));
                }
            });
        }
    }

    private void seekToStored(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = OffsetStore.load(db, projection.name(), partitions);
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            if (offset == null) {
                c.seekToBeginning(List.of(tp));
            } else {
                c.seek(tp, offset);
            }
        }
    }

    private final class SeekToStoredOffsets implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        SeekToStoredOffsets(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                seekToStored(c, partitions);
                log.info(
                        "Projector {} assigned {}; resuming from offsets stored in PostgreSQL",
                        projection.name(),
                        partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Nothing in flight: batches are written inside the poll loop before the next poll.
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> toCommit(Map<TopicPartition, Long> next) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        next.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
        return commit;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
