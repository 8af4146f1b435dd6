package app.donna.platform.kafka;

import app.donna.schemas.BundledSchemas;
import app.donna.schemas.EventCodec;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A service's own state-store values (and their changelogs) as Avro records in single-object encoding,
 * resolved among the released versions of the service's state schemas, so a value written by an older
 * release is read by a newer one and an upgrade never means wiping state.
 *
 * <p>Values written before state went to Avro start with their hand-written format's version byte
 * {@code 0x01} instead of the single-object marker {@code C3 01}; a {@link LegacyReader} reads those
 * until they have been overwritten. Anything else fails loudly rather than being misread.
 *
 * @param <T> the value the service works with
 * @param <R> the Avro record it is stored as
 */
public final class AvroStateSerde<T, R extends SpecificRecordBase> implements Serde<T> {

    /** The format state was written in before Avro: a version byte, then what this reads. */
    @FunctionalInterface
    public interface LegacyReader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static final byte LEGACY_VERSION = 0x01;
    private static final byte SINGLE_OBJECT_MARKER = (byte) 0xC3;

    private final String name;
    private final Class<R> type;
    private final EventCodec codec;
    private final Function<T, R> toRecord;
    private final Function<R, T> fromRecord;
    private final LegacyReader<T> legacy;

    /**
     * @param name       what the values are, for errors
     * @param history    the released versions of the service's state schemas
     * @param legacy     reads values of the pre-Avro format, or null when there never was one
     */
    public AvroStateSerde(
            String name,
            Class<R> type,
            BundledSchemas history,
            Function<T, R> toRecord,
            Function<R, T> fromRecord,
            LegacyReader<T> legacy) {
        this.name = name;
        this.type = type;
        this.codec = new EventCodec(history);
        this.toRecord = toRecord;
        this.fromRecord = fromRecord;
        this.legacy = legacy;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : codec.encode(toRecord.apply(value));
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> data == null ? null : read(data);
    }

    private T read(byte[] data) {
        if (data.length > 0 && data[0] == SINGLE_OBJECT_MARKER) {
            SpecificRecordBase record = codec.decode(data);
            if (!type.isInstance(record)) {
                throw new IllegalStateException(
                        "a " + record.getSchema().getFullName() + " where a " + name + " was expected");
            }
            return fromRecord.apply(type.cast(record));
        }
        if (data.length > 0 && data[0] == LEGACY_VERSION && legacy != null) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 1, data.length - 1))) {
                return legacy.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException(
                "unknown " + name + " format " + (data.length == 0 ? "(empty)" : String.valueOf(data[0])));
    }
}
