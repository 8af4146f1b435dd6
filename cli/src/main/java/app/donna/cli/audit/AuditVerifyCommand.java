package app.donna.cli.audit;

import app.donna.cli.TopicToEnd;
import app.donna.events.ops.AuditChainAnchored;
import app.donna.projections.audit.AuditChain;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code donna audit verify}: walks the audit trail's hash chain ({@code audit_log}, {@link AuditChain}) and
 * says which rows were edited, inserted or deleted, then checks the chain's head and every anchor on
 * {@code donna.ops.audit} against the rows, which finds a chain rewritten with all its hashes. Exit 0: intact;
 * 1: tampered with (each finding printed); 2: could not be read.
 */
@Command(
        name = "verify",
        description = {
            "Verifies the audit trail's hash chain in PostgreSQL and its anchors on donna.ops.audit: prints each "
                    + "row found edited, inserted or deleted; exits 1 if any.",
            "",
            "Environment: DONNA_DB_URL (default jdbc:postgresql://127.0.0.1:5432/donna), DONNA_DB_USER, "
                    + "DONNA_DB_PASSWORD; DONNA_KAFKA_BOOTSTRAP (default 127.0.0.1:9092) for the anchors."
        })
public final class AuditVerifyCommand implements Callable<Integer> {

    /** One thing found wrong, at a row. */
    record Finding(long seq, String kind, String detail) {
        @Override
        public String toString() {
            return "row " + seq + ": " + kind + ": " + detail;
        }
    }

    @Option(names = "--no-anchors", description = "skip the anchors on donna.ops.audit (the broker is not reachable)")
    boolean noAnchors;

    @Option(
            names = "--timeout",
            defaultValue = "PT30S",
            description = "how long to wait for the broker (ISO-8601 duration)")
    Duration timeout;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    public AuditVerifyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<AuditChainAnchored> anchors = noAnchors ? List.of() : anchors();
        List<Finding> findings;
        long rows;
        int checked;
        try (Connection db = DriverManager.getConnection(
                env.getOrDefault("DONNA_DB_URL", "jdbc:postgresql://127.0.0.1:5432/donna"),
                env.getOrDefault("DONNA_DB_USER", "donna"),
                env.getOrDefault("DONNA_DB_PASSWORD", "donna"))) {
            Walk walk = walk(db, anchors);
            findings = walk.findings();
            rows = walk.rows();
            checked = walk.anchors();
        } catch (SQLException e) {
            err.println("donna audit verify: the audit trail could not be read: " + e.getMessage());
            return 2;
        }
        findings.forEach(out::println);
        out.flush();
        err.printf(
                "%d row(s), %d anchor(s) checked: %s%n",
                rows, checked, findings.isEmpty() ? "the chain is intact" : findings.size() + " finding(s)");
        return findings.isEmpty() ? 0 : 1;
    }

    record Walk(long rows, int anchors, List<Finding> findings) {}

    /** Walks the chain in order, then checks its head and {@code anchors} against what it saw. */
    static Walk walk(Connection db, List<AuditChainAnchored> anchors) throws SQLException {
        UUID chain;
        try (PreparedStatement head = db.prepareStatement("SELECT chain_id FROM audit_chain_head WHERE id = 1");
                ResultSet r = head.executeQuery()) {
            chain = r.next() ? r.getObject(1, UUID.class) : null;
        }
        // anchors of this chain only: another database's may share the log
        anchors = anchors.stream().filter(a -> a.getChain().equals(chain)).toList();
        Map<Long, String> anchored = new HashMap<>();
        anchors.forEach(a -> anchored.put(a.getSeq(), a.getHash()));
        Map<Long, String> seen = new HashMap<>();
        List<Finding> findings = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        String beforePrev = null;
        long expected = 1;
        long last = 0;
        long rows = 0;
        db.setAutoCommit(false); // a cursor, not the whole table in memory
        try (PreparedStatement query = db.prepareStatement(
                "SELECT seq, topic, kafka_partition, kafka_offset, event_id, event_type, occurred_at, payload, "
                        + "prev_hash, hash FROM audit_log ORDER BY seq")) {
            query.setFetchSize(1_000);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    AuditChain.Row row = new AuditChain.Row(
                            r.getLong(1),
                            r.getString(2),
                            r.getInt(3),
                            r.getLong(4),
                            r.getObject(5, UUID.class),
                            r.getString(6),
                            r.getObject(7, java.time.OffsetDateTime.class) == null
                                    ? null
                                    : r.getObject(7, java.time.OffsetDateTime.class)
                                            .toInstant(),
                            r.getString(8),
                            r.getString(9),
                            r.getString(10));
                    rows++;
                    if (row.seq() > expected) {
                        findings.add(new Finding(
                                expected,
                                "deleted",
                                (row.seq() - expected == 1
                                        ? "missing"
                                        : "rows " + expected + " to " + (row.seq() - 1) + " are missing")));
                    } else if (!row.prevHash().equals(prev)) {
                        findings.add(
                                row.prevHash().equals(beforePrev)
                                        ? new Finding(
                                                last,
                                                "inserted",
                                                "it does not belong: row " + row.seq() + " follows the row before it")
                                        : new Finding(
                                                row.seq(),
                                                "chain broken",
                                                "it does not follow row " + last
                                                        + ": a row before it was deleted, or rewritten with its hash"));
                    }
                    if (!AuditChain.hashOf(row).equals(row.hash())) {
                        findings.add(new Finding(row.seq(), "edited", "its content does not match its hash"));
                    }
                    if (anchored.containsKey(row.seq())) {
                        seen.put(row.seq(), row.hash());
                    }
                    beforePrev = prev;
                    prev = row.hash();
                    last = row.seq();
                    expected = row.seq() + 1;
                }
            }
        } finally {
            db.rollback();
        }
        try (PreparedStatement head = db.prepareStatement("SELECT seq, hash FROM audit_chain_head WHERE id = 1");
                ResultSet r = head.executeQuery()) {
            if (r.next()) {
                long headSeq = r.getLong(1);
                if (last > headSeq) {
                    findings.add(new Finding(
                            headSeq + 1,
                            "inserted",
                            "rows " + (headSeq + 1) + " to " + last + " are past the chain's head"));
                } else if (last < headSeq) {
                    findings.add(new Finding(
                            last + 1,
                            "deleted",
                            "rows " + (last + 1) + " to " + headSeq + " of the chain's head are missing"));
                } else if (!prev.equals(r.getString(2))) {
                    findings.add(new Finding(last, "rewritten", "its hash is not the chain's head's"));
                }
            }
        }
        for (AuditChainAnchored anchor : anchors) {
            String hash = seen.get(anchor.getSeq());
            if (hash == null) {
                findings.add(new Finding(
                        anchor.getSeq(),
                        "deleted",
                        "anchored at " + anchor.getOccurredAt() + ", it is not in the table"));
            } else if (!hash.equals(anchor.getHash())) {
                findings.add(new Finding(
                        anchor.getSeq(),
                        "rewritten",
                        "its hash is not the one anchored at " + anchor.getOccurredAt()
                                + ": the chain up to it was rewritten"));
            }
        }
        findings.sort(java.util.Comparator.comparingLong(Finding::seq));
        return new Walk(rows, anchors.size(), findings);
    }

    /** Every anchor on {@code donna.ops.audit}, read to its end. */
    private List<AuditChainAnchored> anchors() {
        EventCodec codec = EventCodec.bundled();
        List<AuditChainAnchored> anchors = new ArrayList<>();
        TopicToEnd.read(env, Topics.OPS_AUDIT.name(), timeout, record -> {
            try {
                if (codec.decode(record.value()) instanceof AuditChainAnchored anchor) {
                    anchors.add(anchor);
                }
            } catch (RuntimeException unreadable) {
                // not an anchor this version can read: the dead-letter topic's concern
            }
        });
        return anchors;
    }
}
