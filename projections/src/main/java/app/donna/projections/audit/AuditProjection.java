package app.donna.projections.audit;

import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.Record;

/**
 * The audit trail: every event of every topic kept forever (not the unredacted inbound chat, nor reply
 * fragments), one row each in {@code audit_log}, in the order the projector applies them, each row's hash
 * chained to the one before ({@link AuditChain}). A batch takes the chain's head under a row lock, so batches
 * of different partitions append one after the other, and writes the head with its rows: rows, head and
 * offsets commit together. {@code donna audit verify} walks the chain; {@link AuditAnchors} puts its head on
 * {@code donna.ops.audit} now and then, so a chain rewritten in the database is found out too.
 */
public final class AuditProjection implements Projection {

    @Override
    public String name() {
        return "audit";
    }

    /** None: the trail is never rebuilt, which would give every row a new hash and break every anchor. */
    @Override
    public List<String> tables() {
        return List.of();
    }

    @Override
    public List<Topic<?>> topics() {
        return Topics.ALL.stream()
                .filter(t -> t != Topics.CHAT_INBOUND && t != Topics.CHAT_REPLY_FRAGMENTS)
                .toList();
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        Record head = tx.fetchOne("SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE");
        long seq = head.get(0, Long.class);
        String prev = head.get(1, String.class);
        List<Query> rows = new java.util.ArrayList<>(batch.size() + 1);
        for (ProjectedEvent e : batch) {
            SpecificRecordBase event = e.event();
            UUID eventId = event.get("eventId") instanceof UUID id ? id : null;
            Instant occurredAt = event.get("occurredAt") instanceof Instant at ? at : null;
            String type = event.getSchema().getFullName();
            String payload = StorableText.of(event.toString());
            String topic = StorableText.of(e.topic());
            String hash = AuditChain.hash(prev, topic, e.partition(), e.offset(), eventId, type, occurredAt, payload);
            seq++;
            rows.add(tx.query(
                    "INSERT INTO audit_log (seq, topic, kafka_partition, kafka_offset, event_id, event_type, occurred_at, "
                            + "payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, ?)",
                    seq,
                    topic,
                    e.partition(),
                    e.offset(),
                    eventId,
                    type,
                    occurredAt == null ? null : occurredAt.atOffset(ZoneOffset.UTC),
                    payload,
                    prev,
                    hash));
            prev = hash;
        }
        rows.add(tx.query("UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1", seq, prev));
        tx.batch(rows).execute();
    }
}
