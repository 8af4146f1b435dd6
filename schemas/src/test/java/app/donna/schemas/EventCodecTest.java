package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.events.chat.ChatMessageSubmitted;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec codec = EventCodec.bundled();

    static ChatMessageSubmitted message() {
        UUID session = UUID.randomUUID();
        return ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId("user_123")
                .setText("What are your opening hours?")
                .build();
    }

    @Test
    void roundTripsAnEventWithTheSingleObjectHeader() {
        ChatMessageSubmitted event = message();

        byte[] bytes = codec.encode(event);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(EventCodec.fingerprintOf(bytes)).isEqualTo(BundledSchemas.fingerprint(event.getSchema()));
        assertThat(codec.decode(bytes)).isEqualTo(event);
    }

    @Test
    void readsAnOlderWriterSchemaIntoTheCurrentClass() throws Exception {
        // given an "older release" of ChatMessageSubmitted without the optional locale and clientMessageId
        Schema current = ChatMessageSubmitted.getClassSchema();
        Schema older = olderWithout(current, "locale", "clientMessageId");
        BundledSchemas.Version v0 =
                new BundledSchemas.Version(current.getFullName(), 0, BundledSchemas.fingerprint(older), older);
        EventCodec withOlder = new EventCodec(BundledSchemas.of(List.of(v0)));
        GenericRecord old = new GenericData.Record(older);
        old.put("eventId", UUID.randomUUID().toString());
        old.put("occurredAt", 1_700_000_000_000L);
        old.put("sessionId", UUID.randomUUID().toString());
        old.put("messageId", UUID.randomUUID().toString());
        old.put("userId", "user_old");
        old.put("anonymous", false);
        old.put("text", "hello from the past");

        // when it is decoded by this build
        ChatMessageSubmitted read = (ChatMessageSubmitted) withOlder.decode(singleObject(older, old));

        // then the missing fields take their defaults
        assertThat(read.getText()).isEqualTo("hello from the past");
        assertThat(read.getUserId()).isEqualTo("user_old");
        assertThat(read.getLocale()).isNull();
        assertThat(read.getOccurredAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
    }

    /**
     * Bytes the hand-written single-object framing (before Avro's {@code BinaryMessageEncoder} took over)
     * wrote for {@link #fixedMessage()}: events already on topics and in changelogs.
     */
    static final String WRITTEN_BY_THE_HAND_WRITTEN_CODEC =
            "c3017b9abf6f50c9a9ca4830623763326630652d336434612d346331652d396135312d366632643865346231633031f6d8dd8b95674835643165396237322d386333662d346130642d623665342d3261376639633364356530324839663461366331382d326237652d346435332d386531612d63306233643566376139303310757365725f3132330038576861742061726520796f7572206f70656e696e6720686f7572733f020a656e2d555300";

    static ChatMessageSubmitted fixedMessage() {
        return ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.fromString("0b7c2f0e-3d4a-4c1e-9a51-6f2d8e4b1c01"))
                .setOccurredAt(Instant.parse("2026-03-01T09:30:00.123Z"))
                .setSessionId(UUID.fromString("5d1e9b72-8c3f-4a0d-b6e4-2a7f9c3d5e02"))
                .setMessageId(UUID.fromString("9f4a6c18-2b7e-4d53-8e1a-c0b3d5f7a903"))
                .setUserId("user_123")
                .setText("What are your opening hours?")
                .setLocale("en-US")
                .build();
    }

    @Test
    void bytesWrittenBeforeAvrosMessageEncoderStillDecode() {
        byte[] old = HexFormat.of().parseHex(WRITTEN_BY_THE_HAND_WRITTEN_CODEC);

        assertThat(codec.decode(old)).isEqualTo(fixedMessage());
    }

    /**
     * The same message as the current schema (version 2, with its workspace) writes it: a new fingerprint,
     * and the null workspace at the end. A change here is a change of the wire format.
     */
    static final String WRITTEN_BY_VERSION_2 =
            "c301984bf6f15b52d2984830623763326630652d336434612d346331652d396135312d366632643865346231633031f6d8dd8b95674835643165396237322d386333662d346130642d623665342d3261376639633364356530324839663461366331382d326237652d346435332d386531612d63306233643566376139303310757365725f3132330038576861742061726520796f7572206f70656e696e6720686f7572733f020a656e2d55530000";

    @Test
    void theWireFormatIsUnchanged() {
        assertThat(HexFormat.of().formatHex(codec.encode(fixedMessage()))).isEqualTo(WRITTEN_BY_VERSION_2);
    }

    @Test
    void trailingBytesAfterTheEventFail() {
        byte[] bytes = codec.encode(message());
        byte[] padded = java.util.Arrays.copyOf(bytes, bytes.length + 1);

        assertThatThrownBy(() -> codec.decode(padded))
                .isInstanceOf(EventCodec.EventDecodingException.class)
                .hasMessageContaining("trailing bytes");
    }

    @Test
    void anUnknownFingerprintFailsWithAClearError() {
        byte[] bytes = codec.encode(message());
        bytes[5] ^= 0x5A;

        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(EventCodec.UnknownSchemaException.class)
                .hasMessageContaining("unknown writer schema fingerprint")
                .hasMessageContaining("not among the bundled schema versions");
    }

    @Test
    void bytesThatAreNotAnEventFail() {
        assertThatThrownBy(() -> codec.decode("{\"text\":\"hi\"}".getBytes()))
                .isInstanceOf(EventCodec.EventDecodingException.class)
                .hasMessageContaining("missing C3 01 header");
    }

    @Test
    void aTruncatedBodyFails() {
        byte[] bytes = codec.encode(message());
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 10);

        assertThatThrownBy(() -> codec.decode(truncated)).isInstanceOf(EventCodec.EventDecodingException.class);
    }

    static Schema olderWithout(Schema current, String... dropped) {
        List<String> drop = List.of(dropped);
        List<Schema.Field> fields = current.getFields().stream()
                .filter(f -> !drop.contains(f.name()))
                .map(f -> new Schema.Field(f, f.schema()))
                .toList();
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    static byte[] singleObject(Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(BundledSchemas.fingerprint(schema))
                .array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @org.junit.jupiter.api.Test
    void aNullValueIsAnErrorOnEventTopicsAndATombstoneOnCompactedOnes() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        new EventDeserializer<>(Topics.CHAT_SCREENED, EventCodec.bundled()).deserialize("t", null))
                .isInstanceOf(EventCodec.EventDecodingException.class)
                .hasMessageContaining("without a value");
        org.assertj.core.api.Assertions.assertThat(
                        new EventDeserializer<>(Topics.AUTOPILOT_SETTINGS, EventCodec.bundled()).deserialize("t", null))
                .isNull();
    }
}
