package app.donna.projections.engine;

import static app.donna.projections.db.Tables.PROJECTOR_OFFSETS;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The next offset to read per partition, kept in PostgreSQL beside the rows it produced. */
final class OffsetStore {

    private OffsetStore() {}

    static Map<TopicPartition, Long> load(DSLContext db, String projector, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = new HashMap<>();
        db.selectFrom(PROJECTOR_OFFSETS)
                .where(PROJECTOR_OFFSETS.PROJECTOR.eq(projector))
                .fetch()
                .forEach(r -> {
                    TopicPartition tp = new TopicPartition(r.getTopic(), r.getKafkaPartition());
                    if (partitions.contains(tp)) {
                        stored.put(tp, r.getNextOffset());
                    }
                });
        return stored;
    }

    /** Upserts the next offsets of a batch; runs inside the batch's transaction. */
    static void save(DSLContext tx, String projector, Map<TopicPartition, Long> next, Instant now) {
        if (next.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(
                PROJECTOR_OFFSETS,
                PROJECTOR_OFFSETS.PROJECTOR,
                PROJECTOR_OFFSETS.TOPIC,
                PROJECTOR_OFFSETS.KAFKA_PARTITION,
                PROJECTOR_OFFSETS.NEXT_OFFSET,
                PROJECTOR_OFFSETS.UPDATED_AT);
        for (var e : next.entrySet()) {
            insert = insert.values(projector, e.getKey().topic(), e.getKey().partition(), e.getValue(), now);
        }
        insert.onConflict(PROJECTOR_OFFSETS.PROJECTOR, PROJECTOR_OFFSETS.TOPIC, PROJECTOR_OFFSETS.KAFKA_PARTITION)
                .doUpdate()
                .set(PROJECTOR_OFFSETS.NEXT_OFFSET, DSL.excluded(PROJECTOR_OFFSETS.NEXT_OFFSET))
                .set(PROJECTOR_OFFSETS.UPDATED_AT, DSL.excluded(PROJECTOR_OFFSETS.UPDATED_AT))
                .execute();
    }
}
