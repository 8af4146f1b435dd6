package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatTakenOver;
import app.donna.projections.audit.AuditAnchors;
import app.donna.projections.audit.AuditChain;
import app.donna.projections.audit.AuditProjection;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * {@code donna audit verify} on a real database and broker: the audit projection's chain of a scripted run is
 * intact; then an edited, an inserted and a deleted row are each found and named; and a chain rewritten
 * with every hash recomputed still fails against its anchor on donna.ops.audit.
 */
@ExtendWith(InfraExtension.class)
class AuditVerifyTest {

    @Test
    void anEditedAnInsertedAndADeletedRowAreEachFoundAndARewrittenChainFailsItsAnchor() throws Exception {
        SharedInfra.Database database =
                SharedInfra.newDatabase("audit_" + UUID.randomUUID().toString().substring(0, 8));
        Flyway.configure()
                .dataSource(database.jdbcUrl(), database.username(), database.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        SharedInfra.ensureTopic(Topics.OPS_AUDIT.name(), 1, Map.of());
        Map<String, String> env = Map.of(
                "DONNA_DB_URL", database.jdbcUrl(),
                "DONNA_DB_USER", database.username(),
                "DONNA_DB_PASSWORD", database.password(),
                "DONNA_KAFKA_BOOTSTRAP", SharedInfra.kafkaBootstrapServers());
        try (var connection = database.connect()) {
            DSLContext db = DSL.using(connection, SQLDialect.POSTGRES);
            // twelve events, projected in two batches as a projector would
            List<ProjectedEvent> events = IntStream.range(0, 12)
                    .mapToObj(i -> new ProjectedEvent(Topics.CHAT_SCREENED.name(), i % 3, 100 + i, "k", event(i)))
                    .toList();
            db.transaction(tx -> new AuditProjection().apply(tx.dsl(), events.subList(0, 5)));
            db.transaction(tx -> new AuditProjection().apply(tx.dsl(), events.subList(5, 12)));
            KafkaTemplate<String, SpecificRecordBase> kafka = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(
                    Map.of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                    new StringSerializer(),
                    new CatalogSerializer()));
            assertThat(new AuditAnchors(db, kafka, Clock.systemUTC()).anchor())
                    .hasValueSatisfying(a -> assertThat(a.getSeq()).isEqualTo(12));

            Result intact = verify(env);
            assertThat(intact.exit()).as(intact.err()).isZero();
            assertThat(intact.err()).contains("12 row(s), 1 anchor(s) checked: the chain is intact");

            // an edit, a deletion, and a row slipped in (the rows after it renumbered, its hash made to fit)
            db.execute("UPDATE audit_log SET payload = replace(payload, 'staff-2', 'staff-x') WHERE seq = 3");
            db.execute("DELETE FROM audit_log WHERE seq = 6");
            db.execute("UPDATE audit_log SET seq = -seq WHERE seq > 8");
            db.execute("UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0");
            String after8 =
                    db.fetchOne("SELECT hash FROM audit_log WHERE seq = 8").get(0, String.class);
            UUID forgedId = UUID.randomUUID();
            Instant forgedAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            String forged = AuditChain.hash(after8, "donna.chat.screened", 0, 999, forgedId, "forged", forgedAt, "{}");
            db.execute(
                    "INSERT INTO audit_log (seq, topic, kafka_partition, kafka_offset, event_id, event_type, occurred_at,"
                            + " payload, prev_hash, hash) SELECT 9, 'donna.chat.screened', 0, 999, ?, 'forged', ?::timestamptz,"
                            + " '{}', ?, ?",
                    forgedId,
                    forgedAt.toString(),
                    after8,
                    forged);
            Result tampered = verify(env);
            assertThat(tampered.exit()).isEqualTo(1);
            assertThat(tampered.out())
                    .contains("row 3: edited")
                    .contains("row 6: deleted")
                    .contains("row 9: inserted");

            // the same chain rewritten by someone who recomputes every hash: it walks clean, but not past its anchor
            rewrite(db);
            Result rewritten = verify(env);
            assertThat(rewritten.exit()).isEqualTo(1);
            assertThat(rewritten.out()).contains("row 12: rewritten").doesNotContain("edited");
        }
    }

    /** Recomputes every row's hash from the first on, and the head's, as a careful forger would. */
    static void rewrite(DSLContext db) {
        String prev = AuditChain.GENESIS;
        long seq = 0;
        for (var r : db.fetch("SELECT seq, topic, kafka_partition, kafka_offset, event_id, event_type, occurred_at, "
                + "payload FROM audit_log ORDER BY seq")) {
            seq = r.get(0, Long.class);
            String hash = AuditChain.hash(
                    prev,
                    r.get(1, String.class),
                    r.get(2, Integer.class),
                    r.get(3, Long.class),
                    r.get(4, UUID.class),
                    r.get(5, String.class),
                    r.get(6, java.time.OffsetDateTime.class).toInstant(),
                    r.get(7, String.class));
            db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", prev, hash, seq);
            prev = hash;
        }
        db.execute("UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1", seq, prev);
    }

    record Result(int exit, String out, String err) {}

    static Result verify(Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Donna.run(
                new String[] {"audit", "verify"},
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static ChatTakenOver event(int i) {
        return ChatTakenOver.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.parse("2026-12-02T10:00:00Z").plusSeconds(i))
                .setSessionId(UUID.randomUUID())
                .setUserId("anon:" + i)
                .setStaffId("staff-" + i)
                .setWorkspaceId("ws-1")
                .build();
    }
}
