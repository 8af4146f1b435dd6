package app.donna.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (marker {@code C3 01}, the writer schema's 8-byte little-endian Rabin
 * fingerprint, then the binary body), reading any version bundled in {@link BundledSchemas}.
 *
 * <p>Decoding resolves the writer's schema by fingerprint and reads into the current generated class,
 * so events written by older (or newer, compatible) releases decode without a registry.
 */
public final class EventCodec {

    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    private final BundledSchemas schemas;
    private final Map<Long, SpecificDatumReader<SpecificRecordBase>> readers = new ConcurrentHashMap<>();
    private final Map<Class<?>, Writer> writers = new ConcurrentHashMap<>();

    private record Writer(long fingerprint, SpecificDatumWriter<SpecificRecordBase> datumWriter) {}

    public EventCodec(BundledSchemas schemas) {
        this.schemas = schemas;
    }

    public static EventCodec bundled() {
        return new EventCodec(BundledSchemas.get());
    }

    public byte[] encode(SpecificRecordBase event) {
        Writer writer = writers.computeIfAbsent(event.getClass(), type -> {
            Schema schema = event.getSchema();
            long fingerprint = BundledSchemas.fingerprint(schema);
            if (schemas.byFingerprint(fingerprint).isEmpty()) {
                // Writing an unreleased schema would produce events no other service can read.
                throw new IllegalStateException("schema of " + schema.getFullName()
                        + " is not in the released history; release it (see schemas/README.md)");
            }
            return new Writer(fingerprint, new SpecificDatumWriter<>(schema));
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MARKER_0);
        out.write(MARKER_1);
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(writer.fingerprint())
                .array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.datumWriter().write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The fingerprint stamped on {@code payload}; fails if it is not single-object encoded. */
    public static long fingerprintOf(byte[] payload) {
        if (payload == null || payload.length < HEADER_LENGTH || payload[0] != MARKER_0 || payload[1] != MARKER_1) {
            throw new EventDecodingException("not an Avro single-object encoded event (missing C3 01 header)");
        }
        return ByteBuffer.wrap(payload, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public SpecificRecordBase decode(byte[] payload) {
        if (payload == null) {
            throw new EventDecodingException("a record without a value");
        }
        long fingerprint = fingerprintOf(payload);
        SpecificDatumReader<SpecificRecordBase> reader = readers.computeIfAbsent(fingerprint, this::readerFor);
        BinaryDecoder decoder =
                DecoderFactory.get().binaryDecoder(payload, HEADER_LENGTH, payload.length - HEADER_LENGTH, null);
        try {
            SpecificRecordBase event = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new EventDecodingException(
                        "trailing bytes after " + event.getSchema().getFullName());
            }
            return event;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            throw new EventDecodingException(
                    "corrupt event body for schema fingerprint " + hex(fingerprint) + ": " + e.getMessage(), e);
        }
    }

    private SpecificDatumReader<SpecificRecordBase> readerFor(long fingerprint) {
        BundledSchemas.Version writer =
                schemas.byFingerprint(fingerprint).orElseThrow(() -> new UnknownSchemaException(fingerprint));
        return new SpecificDatumReader<>(writer.writer(), BundledSchemas.readerSchema(writer.fullName()));
    }

    static String hex(long fingerprint) {
        return HexFormat.of().toHexDigits(fingerprint);
    }

    /** The payload is not a decodable event. Never retried: the same bytes fail the same way. */
    public static class EventDecodingException extends RuntimeException {
        public EventDecodingException(String message) {
            super(message);
        }

        public EventDecodingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The payload names a writer schema this build does not bundle. */
    public static final class UnknownSchemaException extends EventDecodingException {
        public UnknownSchemaException(long fingerprint) {
            super("unknown writer schema fingerprint " + hex(fingerprint)
                    + ": not among the bundled schema versions (written by a newer, unreleased or foreign producer?)");
        }
    }
}
