package app.donna.projections.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The hash chain of {@code audit_log}: each row's hash is SHA-256 of the previous row's hash and the row's
 * own content, so changing, inserting or deleting a row breaks the chain from there on. The content is what
 * the row holds, not its sequence number, so a row slipped in (with the rows after it renumbered) still shows
 * as one row that does not belong. Shared by the projection that writes the chain and {@code donna audit
 * verify}, which walks it.
 */
public final class AuditChain {

    /** The "previous hash" of the first row. */
    public static final String GENESIS = "0".repeat(64);

    /** One row's content, as stored. */
    public record Row(
            long seq,
            String topic,
            int partition,
            long offset,
            UUID eventId,
            String eventType,
            Instant occurredAt,
            String payload,
            String prevHash,
            String hash) {}

    private AuditChain() {}

    /** The hash a row with this content has, following {@code prevHash}. */
    public static String hash(
            String prevHash,
            String topic,
            int partition,
            long offset,
            UUID eventId,
            String eventType,
            Instant occurredAt,
            String payload) {
        String content = String.join(
                "\n",
                prevHash,
                topic,
                Integer.toString(partition),
                Long.toString(offset),
                String.valueOf(eventId),
                eventType,
                occurredAt == null ? "" : Long.toString(occurredAt.toEpochMilli()),
                payload);
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The hash {@code row} should have, from its stored previous hash and content. */
    public static String hashOf(Row row) {
        return hash(
                row.prevHash(),
                row.topic(),
                row.partition(),
                row.offset(),
                row.eventId(),
                row.eventType(),
                row.occurredAt(),
                row.payload());
    }
}
