package app.donna.projections.engine;

import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Rebuilds a {@link Projection} from its topics into a shadow schema ({@code replay_<projection>}), beside
 * the live tables and while their projector keeps running; compares the two, table by table (rows and a
 * checksum of every row); and can switch the shadow in. The shadow's tables are made like the live ones
 * ({@code LIKE ... INCLUDING ALL}) and written by the projection's own code, with the connection's
 * {@code search_path} on the shadow schema alone, so nothing of the live schema is written by mistake.
 *
 * <p>Switching happens in one transaction: it locks the live tables (waiting for the live projector's batch
 * in flight, and holding its next), reads the live projector's offsets, applies to the shadow what came
 * since the rebuild read its topics, moves the live tables to {@code replaced_<projection>_<time>} and the
 * shadow's into their place, and commits: the live projector carries on from its offsets, into the new
 * tables. The replaced tables are kept for inspection; drop their schema when done.
 */
public final class Replay {

    /** Where the rebuild has got: events applied of those on the topics when it began. */
    public record Progress(long applied, long total, long skipped, Duration elapsed) {}

    /** One table compared: rows and checksum, live and rebuilt. */
    public record TableComparison(String table, long liveRows, long shadowRows, String liveSum, String shadowSum) {
        public boolean same() {
            return liveRows == shadowRows && liveSum.equals(shadowSum);
        }
    }

    /** What a rebuild did. */
    public record Rebuilt(long events, long skipped, Duration took) {
        public double eventsPerSecond() {
            return events / Math.max(0.001, took.toNanos() / 1e9);
        }
    }

    private static final int BATCH = 5_000;

    private final DataSource db;
    private final Map<String, Object> consumerConfig;
    private final Projection projection;
    private final Clock clock;
    private final String shadow;
    private final EventCodec codec = EventCodec.bundled();

    /**
     * @param consumerConfig a reader's settings: bootstrap servers and security, nothing else needed
     */
    public Replay(DataSource db, Map<String, Object> consumerConfig, Projection projection, Clock clock) {
        if (projection.tables().isEmpty()) {
            throw new IllegalArgumentException("the " + projection.name() + " projection cannot be rebuilt");
        }
        this.db = db;
        this.consumerConfig = KafkaClientPropertiesReader.of(consumerConfig);
        this.projection = projection;
        this.clock = clock;
        this.shadow = "replay_" + projection.name().replaceAll("[^a-z0-9_]", "_");
    }

    public String shadowSchema() {
        return shadow;
    }

    /**
     * Makes the shadow schema afresh (dropping an earlier one) and projects into it every event on the
     * projection's topics up to where they ended when it began; reports progress every second or so.
     */
    public Rebuilt rebuild(Consumer<Progress> progress) throws SQLException {
        Instant start = clock.instant();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + shadow + " CASCADE");
            s.execute("CREATE SCHEMA " + shadow);
            for (String table : projection.tables()) {
                s.execute("CREATE TABLE " + shadow + "." + table + " (LIKE public." + table + " INCLUDING ALL)");
            }
            s.execute("CREATE TABLE " + shadow + ".projector_offsets (LIKE public.projector_offsets INCLUDING ALL)");
        }
        long[] counts = new long[2];
        try (var consumer =
                        new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                Connection c = db.getConnection()) {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            long total = partitions.stream()
                    .mapToLong(p -> end.get(p) - begin.get(p))
                    .sum();
            DSLContext shadowDb = DSL.using(c, SQLDialect.POSTGRES);
            Instant reported = Instant.EPOCH;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        records.add(r);
                    }
                });
                apply(shadowDb, records, counts);
                if (Duration.between(reported, clock.instant()).toMillis() >= 1_000) {
                    reported = clock.instant();
                    progress.accept(new Progress(counts[0], total, counts[1], Duration.between(start, reported)));
                }
            }
            progress.accept(new Progress(counts[0], total, counts[1], Duration.between(start, clock.instant())));
        }
        return new Rebuilt(counts[0], counts[1], Duration.between(start, clock.instant()));
    }

    /** Each table, live and rebuilt: rows, and an MD5 of every row's MD5 in order. */
    public List<TableComparison> compare() throws SQLException {
        List<TableComparison> tables = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            DSLContext sql = DSL.using(c, SQLDialect.POSTGRES);
            for (String table : projection.tables()) {
                var live = summary(sql, "public", table);
                var rebuilt = summary(sql, shadow, table);
                tables.add(new TableComparison(
                        table,
                        live.get(0, Long.class),
                        rebuilt.get(0, Long.class),
                        live.get(1, String.class),
                        rebuilt.get(1, String.class)));
            }
        }
        return tables;
    }

    /**
     * Switches the rebuilt tables in, atomically, while the live projector runs (see the class comment);
     * returns the schema the replaced tables were moved to.
     */
    public String switchIn() throws SQLException {
        String replaced = "replaced_" + projection.name().replaceAll("[^a-z0-9_]", "_") + "_"
                + DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT)
                        .withZone(ZoneOffset.UTC)
                        .format(clock.instant());
        try (var consumer =
                        new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // the live projector's batch in flight finishes first; its next waits for this transaction
                s.execute("LOCK TABLE " + String.join(", ", projection.tables()) + " IN ACCESS EXCLUSIVE MODE");
                DSLContext live = DSL.using(c, SQLDialect.POSTGRES);
                List<TopicPartition> partitions = partitions(consumer);
                Map<TopicPartition, Long> liveOffsets = offsets(live, "public", partitions);
                Map<TopicPartition, Long> shadowOffsets = offsets(live, shadow, partitions);
                // catch the shadow up to exactly where the live projector is, inside this transaction
                s.execute("SET LOCAL search_path TO " + shadow);
                consumer.assign(partitions);
                for (TopicPartition p : partitions) {
                    consumer.seek(p, shadowOffsets.getOrDefault(p, 0L));
                }
                long[] counts = new long[2];
                while (partitions.stream().anyMatch(p -> consumer.position(p) < liveOffsets.getOrDefault(p, 0L))) {
                    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        TopicPartition p = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() < liveOffsets.getOrDefault(p, 0L)) {
                            records.add(r);
                        }
                    });
                    applyWithin(live, records, counts);
                }
                s.execute("SET LOCAL search_path TO public");
                s.execute("CREATE SCHEMA " + replaced);
                for (String table : projection.tables()) {
                    s.execute("ALTER TABLE public." + table + " SET SCHEMA " + replaced);
                    s.execute("ALTER TABLE " + shadow + "." + table + " SET SCHEMA public");
                }
                s.execute("DROP SCHEMA " + shadow + " CASCADE");
            }
            c.commit();
        }
        return replaced;
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic<?> topic : projection.topics()) {
            consumer.partitionsFor(topic.name(), Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        return partitions;
    }

    private void apply(DSLContext shadowDb, List<ConsumerRecord<byte[], byte[]>> records, long[] counts) {
        for (int from = 0; from < records.size(); from += BATCH) {
            List<ConsumerRecord<byte[], byte[]>> batch = records.subList(from, Math.min(records.size(), from + BATCH));
            shadowDb.transaction(tx -> {
                // the shadow alone, for this transaction only (a pooled connection must not keep it): a table
                // the projection did not declare fails rather than touch the live one
                tx.dsl().execute("SET LOCAL search_path TO " + shadow);
                applyWithin(tx.dsl(), batch, counts);
            });
        }
    }

    /** Projects {@code records} and stores their next offsets, in the caller's transaction. */
    private void applyWithin(DSLContext tx, List<ConsumerRecord<byte[], byte[]>> records, long[] counts) {
        if (records.isEmpty()) {
            return;
        }
        List<ProjectedEvent> events = new ArrayList<>(records.size());
        Map<TopicPartition, Long> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            SpecificRecordBase event;
            try {
                event = r.value() == null ? null : codec.decode(r.value());
            } catch (RuntimeException unreadable) {
                event = null;
            }
            if (event == null) {
                counts[1]++; // dead-lettered by the live projector; nothing to project
                continue;
            }
            String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
            events.add(new ProjectedEvent(r.topic(), r.partition(), r.offset(), key, event));
        }
        projection.apply(tx, events);
        OffsetStore.save(tx, projection.name(), next, clock.instant());
        counts[0] += events.size();
    }

    private Map<TopicPartition, Long> offsets(DSLContext sql, String schema, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        sql.fetch(
                        "SELECT topic, kafka_partition, next_offset FROM " + schema
                                + ".projector_offsets WHERE projector = ?"
                                + (schema.equals("public") ? " FOR UPDATE" : ""),
                        projection.name())
                .forEach(r -> {
                    TopicPartition p = new TopicPartition(r.get(0, String.class), r.get(1, Integer.class));
                    if (partitions.contains(p)) {
                        offsets.put(p, r.get(2, Long.class));
                    }
                });
        return offsets;
    }

    private static org.jooq.Record summary(DSLContext sql, String schema, String table) {
        return sql.fetchOne(
                "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') FROM (SELECT md5(t::text) AS h "
                        + "FROM " + schema + "." + table + " t) rows");
    }

    /** A reader that assigns its partitions itself: no group, no commits, committed records only. */
    private static final class KafkaClientPropertiesReader {
        static Map<String, Object> of(Map<String, Object> config) {
            Map<String, Object> reader = new HashMap<>(config);
            reader.remove("group.id");
            reader.put("enable.auto.commit", false);
            reader.put("isolation.level", "read_committed");
            reader.put("max.poll.records", BATCH);
            reader.put("fetch.max.bytes", 64 * 1024 * 1024);
            reader.put("max.partition.fetch.bytes", 8 * 1024 * 1024);
            return reader;
        }
    }
}
