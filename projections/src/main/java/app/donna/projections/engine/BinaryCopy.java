package app.donna.projections.engine;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows in PostgreSQL's binary {@code COPY} format, sent through the JDBC driver's copy API into the
 * connection's current transaction. The fastest way to load rows into PostgreSQL: no statement to parse
 * per batch, no text to convert per value, and no parameter limit. The format
 * (<a href="https://www.postgresql.org/docs/current/sql-copy.html">COPY, "Binary Format"</a>): a
 * signature, then per row a field count and each field as its length and its bytes in the type's
 * binary send format, then {@code -1}.
 */
public final class BinaryCopy {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    /** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
    private static final long POSTGRES_EPOCH_SECOND = 946_684_800L;

    private final int columns;
    private byte[] bytes;
    private int length;
    private int rows;

    public BinaryCopy(int columns, int expectedRows) {
        this.columns = columns;
        this.bytes = new byte[64 + expectedRows * columns * 16];
        put(SIGNATURE);
        putInt(0); // flags: no OIDs
        putInt(0); // no header extension
    }

    /** Starts a row: the next {@code columns} values are its fields, in the order of the COPY's columns. */
    public BinaryCopy row() {
        rows++;
        putShort(columns);
        return this;
    }

    public BinaryCopy uuid(UUID value) {
        if (value == null) {
            return nullValue();
        }
        putInt(16);
        putLong(value.getMostSignificantBits());
        putLong(value.getLeastSignificantBits());
        return this;
    }

    /** For {@code text} and {@code varchar}: UTF-8, the encoding of Donna's databases. */
    public BinaryCopy text(String value) {
        if (value == null) {
            return nullValue();
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        putInt(utf8.length);
        put(utf8);
        return this;
    }

    public BinaryCopy timestamptz(Instant value) {
        if (value == null) {
            return nullValue();
        }
        putInt(8);
        putLong(Math.multiplyExact(value.getEpochSecond() - POSTGRES_EPOCH_SECOND, 1_000_000L)
                + value.getNano() / 1_000);
        return this;
    }

    public BinaryCopy bool(Boolean value) {
        if (value == null) {
            return nullValue();
        }
        putInt(1);
        ensure(1);
        bytes[length++] = (byte) (value ? 1 : 0);
        return this;
    }

    public BinaryCopy int8(Long value) {
        if (value == null) {
            return nullValue();
        }
        putInt(8);
        putLong(value);
        return this;
    }

    public BinaryCopy int4(Integer value) {
        if (value == null) {
            return nullValue();
        }
        putInt(4);
        putInt(value);
        return this;
    }

    private BinaryCopy nullValue() {
        putInt(-1);
        return this;
    }

    public int rows() {
        return rows;
    }

    /**
     * Copies the rows into {@code table}'s {@code columns} (comma-separated, in the order the values were
     * given) on {@code connection}, inside whatever transaction it is in. Call once.
     *
     * @return the rows copied
     */
    public long into(Connection connection, String table, String columns) throws SQLException {
        putShort(-1); // end of data
        CopyIn copy = connection
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn("COPY " + table + " (" + columns + ") FROM STDIN (FORMAT binary)");
        try {
            copy.writeToCopy(bytes, 0, length);
            return copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
    }

    private void putShort(int v) {
        ensure(2);
        bytes[length++] = (byte) (v >>> 8);
        bytes[length++] = (byte) v;
    }

    private void putInt(int v) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (v >>> shift);
        }
    }

    private void putLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (v >>> shift);
        }
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
