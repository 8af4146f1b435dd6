package app.donna.projections.audit;

import app.donna.events.ops.AuditChainAnchored;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Anchors the audit chain in the log: publishes its head (the last row's sequence number and hash) on
 * {@code donna.ops.audit} when it has moved. Someone who can write the database could rewrite the chain and
 * every hash after a change, but not the log: {@code donna audit verify} checks each anchor against the row
 * it names. Rows appended after the last anchor are covered by the next one.
 */
public final class AuditAnchors {

    private static final Logger log = LoggerFactory.getLogger(AuditAnchors.class);

    private final DSLContext db;
    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final Clock clock;
    private long anchoredSeq = -1;

    public AuditAnchors(DSLContext db, KafkaTemplate<String, SpecificRecordBase> kafka, Clock clock) {
        this.db = db;
        this.kafka = kafka;
        this.clock = clock;
    }

    /** Publishes the chain's head if it moved since the last anchor; returns the anchor published. */
    public synchronized Optional<AuditChainAnchored> anchor() {
        Record head = db.fetchOne("SELECT seq, hash, chain_id FROM audit_chain_head WHERE id = 1");
        long seq = head.get(0, Long.class);
        if (seq == 0 || seq == anchoredSeq) {
            return Optional.empty();
        }
        AuditChainAnchored anchor = AuditChainAnchored.newBuilder()
                .setEventId(DerivedIds.of("audit-anchor", seq + "/" + head.get(1, String.class)))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSubject("audit_log")
                .setChain(head.get(2, java.util.UUID.class))
                .setSeq(seq)
                .setHash(head.get(1, String.class))
                .build();
        try {
            kafka.send(Topics.OPS_AUDIT.record("audit_log", anchor)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("the audit chain's head was not anchored: " + e.getMessage(), e);
        }
        anchoredSeq = seq;
        log.info("Audit chain anchored at row {}", seq);
        return Optional.of(anchor);
    }
}
