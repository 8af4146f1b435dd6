package app.donna.schemas;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (marker {@code C3 01}, the writer schema's 8-byte little-endian CRC-64-AVRO
 * fingerprint, then the binary body) through Avro's own {@link BinaryMessageEncoder} and
 * {@link BinaryMessageDecoder}, reading any version bundled in {@link BundledSchemas}.
 *
 * <p>Decoding looks the fingerprint up among the released versions to learn the event type, then hands
 * the bytes to that type's decoder, whose {@link org.apache.avro.message.SchemaStore} is the bundled
 * history: the writer's schema is resolved into the current generated class, so events written by older
 * (or newer, compatible) releases decode without a registry. Encoders and decoders are made once per
 * class and are thread-safe, so the hot path allocates no codec.
 */
public final class EventCodec {

    private static final int HEADER_LENGTH = 10;

    private final BundledSchemas schemas;
    private final Map<String, BinaryMessageDecoder<SpecificRecordBase>> decoders = new ConcurrentHashMap<>();
    private final Map<Class<?>, BinaryMessageEncoder<SpecificRecordBase>> encoders = new ConcurrentHashMap<>();

    public EventCodec(BundledSchemas schemas) {
        this.schemas = schemas;
    }

    public static EventCodec bundled() {
        return new EventCodec(BundledSchemas.get());
    }

    public byte[] encode(SpecificRecordBase event) {
        BinaryMessageEncoder<SpecificRecordBase> encoder = encoders.computeIfAbsent(event.getClass(), type -> {
            Schema schema = event.getSchema();
            if (schemas.byFingerprint(BundledSchemas.fingerprint(schema)).isEmpty()) {
                // Writing an unreleased schema would produce events no other service can read.
                throw new IllegalStateException("schema of " + schema.getFullName()
                        + " is not in the released history; release it (see schemas/README.md)");
            }
            return new BinaryMessageEncoder<>(SpecificData.getForSchema(schema), schema);
        });
        try {
            return bytesOf(encoder.encode(event));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fingerprint stamped on {@code payload}; fails if it is not single-object encoded. */
    public static long fingerprintOf(byte[] payload) {
        if (payload == null || payload.length < HEADER_LENGTH || payload[0] != (byte) 0xC3 || payload[1] != 0x01) {
            throw new EventDecodingException("not an Avro single-object encoded event (missing C3 01 header)");
        }
        return ByteBuffer.wrap(payload, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public SpecificRecordBase decode(byte[] payload) {
        if (payload == null) {
            throw new EventDecodingException("a record without a value");
        }
        long fingerprint = fingerprintOf(payload);
        BundledSchemas.Version writer =
                schemas.byFingerprint(fingerprint).orElseThrow(() -> new UnknownSchemaException(fingerprint));
        BinaryMessageDecoder<SpecificRecordBase> decoder =
                decoders.computeIfAbsent(writer.fullName(), this::decoderFor);
        // Avro's decoder reads the stream unbuffered, so what it leaves unread is what follows the datum.
        ByteArrayInputStream in = new ByteArrayInputStream(payload);
        try {
            SpecificRecordBase event = decoder.decode(in, null);
            if (in.available() > 0) {
                throw new EventDecodingException(
                        "trailing bytes after " + event.getSchema().getFullName());
            }
            return event;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            throw new EventDecodingException(
                    "corrupt event body for schema fingerprint " + hex(fingerprint) + ": " + causeOf(e), e);
        }
    }

    private BinaryMessageDecoder<SpecificRecordBase> decoderFor(String fullName) {
        Schema reader = BundledSchemas.readerSchema(fullName);
        return new BinaryMessageDecoder<>(SpecificData.getForSchema(reader), reader, schemas);
    }

    /** The encoder's buffer is a fresh copy; take its array as it is instead of copying again. */
    static byte[] bytesOf(ByteBuffer buffer) {
        if (buffer.hasArray()
                && buffer.arrayOffset() == 0
                && buffer.position() == 0
                && buffer.remaining() == buffer.array().length) {
            return buffer.array();
        }
        return Arrays.copyOfRange(
                buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.arrayOffset() + buffer.limit());
    }

    private static String causeOf(Exception e) {
        // Avro wraps the reader's IOException ("Decoding datum failed"); the cause says what was wrong.
        return e.getCause() == null ? e.getMessage() : e.getMessage() + " (" + e.getCause() + ")";
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
