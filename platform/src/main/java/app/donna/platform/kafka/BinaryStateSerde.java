package app.donna.platform.kafka;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for a service's own state store values (and their changelogs): a format
 * version byte, then what {@link #write} puts. Internal state, so not an Avro contract; a value of
 * another version fails loudly rather than being misread. Subclasses write and read the fields only.
 */
public abstract class BinaryStateSerde<T> implements Serde<T> {

    private final String name;
    private final byte version;

    /** @param name what the values are, for the error on an unknown version */
    protected BinaryStateSerde(String name, int version) {
        this.name = name;
        this.version = (byte) version;
    }

    protected abstract void write(DataOutputStream out, T value) throws IOException;

    protected abstract T read(DataInputStream in) throws IOException;

    @Override
    public final Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(version);
                write(out, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public final Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte found = in.readByte();
                if (found != version) {
                    throw new IllegalStateException("unknown " + name + " format " + found);
                }
                return read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
