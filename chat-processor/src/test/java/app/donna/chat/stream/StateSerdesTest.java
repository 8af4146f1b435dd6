package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.Turn;
import app.donna.chat.state.AwaitingReplyState;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.schemas.BundledSchemas;
import app.donna.schemas.EventCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * The chat-processor's store values survive their changelog round trip, values of the hand-written format
 * of before are still read, a value written with an earlier state schema is read by the current one, and a
 * foreign format is refused.
 */
class StateSerdesTest {

    /** What the hand-written ConversationSerde wrote for {@link #fixedConversation()}. */
    static final String LEGACY_CONVERSATION =
            "01000000020000000006686920e29c82010000000568656c6c6f000000011c9e4a527b3d4f80a6e25d8b0c4f7a11";

    /** What the hand-written AwaitingReplySerde wrote for {@link #fixedQueue()}. */
    static final String LEGACY_AWAITING_REPLY =
            "0100000002000000b0c301f3bf787c8dfed5a24832613462366338642d306531662d346133622d386335642d37653966306131623263323290dedd8b95674833623563376439652d316632302d346234632d396436652d3866306131623263336433334834633664386530662d323033312d346335642d386537662d3961306231633264336534340275000a66697273740000004835643765396631302d333134322d346436652d396638302d61623163326433653466353501003730302d34626639326633353737623334646136613363653932396430653065343733362d303066303637616130626139303262372d3031000000b0c301f3bf787c8dfed5a24832613462366338642d306531662d346133622d386335642d37653966306131623263323290dedd8b95674833623563376439652d316632302d346234632d396436652d3866306131623263336433334834633664386530662d323033312d346335642d386537662d3961306231633264336534340275000a66697273740000004835643765396631302d333134322d346436652d396638302d61623163326433653466353500";

    @Test
    void aConversationRoundTrips() {
        Conversation c = new Conversation(
                List.of(new Turn(Turn.Role.USER, "hi ✂"), new Turn(Turn.Role.ASSISTANT, "hello")),
                List.of(UUID.randomUUID(), UUID.randomUUID()));
        var serde = StateSerdes.conversation();

        byte[] bytes = serde.serializer().serialize("t", c);

        assertThat(bytes[0]).as("Avro single-object marker").isEqualTo((byte) 0xC3);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(c);
    }

    @Test
    void aTakenOverConversationRoundTripsWithItsStaffTurnsAndLastMessage() {
        UUID last = UUID.randomUUID();
        Conversation c = new Conversation(
                List.of(new Turn(Turn.Role.USER, "a human please"), Turn.byStaff("ann", "Ann here.")),
                List.of(last, UUID.randomUUID()),
                "ann",
                last);
        var serde = StateSerdes.conversation();

        Conversation read =
                serde.deserializer().deserialize("t", serde.serializer().serialize("t", c));

        assertThat(read).isEqualTo(c);
        assertThat(read.isTakenOver()).isTrue();
        assertThat(read.turns().getLast().staffId()).isEqualTo("ann");
    }

    @Test
    void anAwaitingQueueRoundTripsWithItsTraces() {
        AwaitingReply queue = new AwaitingReply(List.of(
                new AwaitingReply.Waiting(message("first"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                new AwaitingReply.Waiting(message("second"), null)));
        var serde = StateSerdes.awaitingReply();

        byte[] bytes = serde.serializer().serialize("t", queue);

        assertThat(bytes[0]).as("Avro single-object marker").isEqualTo((byte) 0xC3);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(queue);
    }

    @Test
    void aConversationInTheHandWrittenFormatOfBeforeIsRead() {
        byte[] old = HexFormat.of().parseHex(LEGACY_CONVERSATION);

        assertThat(StateSerdes.conversation().deserializer().deserialize("t", old))
                .isEqualTo(fixedConversation());
    }

    @Test
    void anAwaitingQueueInTheHandWrittenFormatOfBeforeIsRead() {
        byte[] old = HexFormat.of().parseHex(LEGACY_AWAITING_REPLY);

        assertThat(StateSerdes.awaitingReply().deserializer().deserialize("t", old))
                .isEqualTo(fixedQueue());
    }

    @Test
    void aQueueWrittenWithAnEarlierSchemaIsReadWithTheNewFieldsDefault() throws Exception {
        // given an earlier release of the state schema whose waiting messages had no traceparent yet
        Schema current = AwaitingReplyState.getClassSchema();
        Schema currentEntry = current.getField("messages").schema().getElementType();
        Schema.Field message = currentEntry.getField("message");
        Schema earlierEntry = Schema.createRecord(
                currentEntry.getName(),
                currentEntry.getDoc(),
                currentEntry.getNamespace(),
                false,
                List.of(new Schema.Field(message, message.schema())));
        Schema earlier = Schema.createRecord(
                current.getName(),
                current.getDoc(),
                current.getNamespace(),
                false,
                List.of(new Schema.Field("messages", Schema.createArray(earlierEntry))));
        BundledSchemas released = BundledSchemas.at(StateSerdes.HISTORY);
        BundledSchemas withEarlier = BundledSchemas.of(List.of(
                new BundledSchemas.Version(current.getFullName(), 0, BundledSchemas.fingerprint(earlier), earlier),
                released.history(current.getFullName()).getLast()));
        ChatMessageScreened waiting = fixedMessage();
        GenericRecord entry =
                new GenericData.Record(earlier.getField("messages").schema().getElementType());
        entry.put("message", ByteBuffer.wrap(EventCodec.bundled().encode(waiting)));
        GenericRecord value = new GenericData.Record(earlier);
        value.put("messages", List.of(entry));
        byte[] written = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), earlier)
                .encode(value)
                .array();

        // when the current build reads it
        AwaitingReply read =
                StateSerdes.awaitingReply(withEarlier).deserializer().deserialize("t", written);

        // then the message is there and the new field takes its default
        assertThat(read).isEqualTo(new AwaitingReply(List.of(new AwaitingReply.Waiting(waiting, null))));
    }

    @Test
    void anUnknownFormatIsRefused() {
        byte[] bytes = StateSerdes.conversation().serializer().serialize("t", Conversation.EMPTY);
        bytes[0] = 9;

        assertThatThrownBy(() -> StateSerdes.conversation().deserializer().deserialize("t", bytes))
                .hasMessageContaining("unknown conversation format 9");
    }

    @Test
    void aStateValueOfAnotherKindIsRefused() {
        byte[] queue = StateSerdes.awaitingReply().serializer().serialize("t", AwaitingReply.NONE);

        assertThatThrownBy(() -> StateSerdes.conversation().deserializer().deserialize("t", queue))
                .hasMessageContaining("AwaitingReplyState where a conversation was expected");
    }

    static Conversation fixedConversation() {
        return new Conversation(
                List.of(new Turn(Turn.Role.USER, "hi ✂"), new Turn(Turn.Role.ASSISTANT, "hello")),
                List.of(UUID.fromString("1c9e4a52-7b3d-4f80-a6e2-5d8b0c4f7a11")));
    }

    static AwaitingReply fixedQueue() {
        return new AwaitingReply(List.of(
                new AwaitingReply.Waiting(fixedMessage(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                new AwaitingReply.Waiting(fixedMessage(), null)));
    }

    static ChatMessageScreened fixedMessage() {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.fromString("2a4b6c8d-0e1f-4a3b-8c5d-7e9f0a1b2c22"))
                .setOccurredAt(Instant.parse("2026-03-01T09:30:00.456Z"))
                .setSessionId(UUID.fromString("3b5c7d9e-1f20-4b4c-9d6e-8f0a1b2c3d33"))
                .setMessageId(UUID.fromString("4c6d8e0f-2031-4c5d-8e7f-9a0b1c2d3e44"))
                .setUserId("u")
                .setText("first")
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.fromString("5d7e9f10-3142-4d6e-9f80-ab1c2d3e4f55"))
                .build();
    }

    private static ChatMessageScreened message(String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setMessageId(UUID.randomUUID())
                .setUserId("u")
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }
}
