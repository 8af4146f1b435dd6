package app.donna.chat.stream;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.Turn;
import app.donna.chat.state.AwaitingReplyState;
import app.donna.chat.state.ConversationState;
import app.donna.chat.state.TurnRole;
import app.donna.chat.state.TurnState;
import app.donna.chat.state.WaitingMessage;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.platform.kafka.AvroStateSerde;
import app.donna.schemas.BundledSchemas;
import app.donna.schemas.EventCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;

/**
 * The chat-processor's store values as the Avro state records of {@code src/main/avro}, resolved among
 * their released versions ({@value #HISTORY}), so a store or changelog written by an earlier release is
 * read by this one. Values still in the hand-written format of before are read by the legacy readers.
 */
final class StateSerdes {

    static final String HISTORY = "app/donna/chat/state/history/";

    /** The state records whose versions are released under {@link #HISTORY}. */
    static final List<Class<?>> STATE_RECORDS = List.of(ConversationState.class, AwaitingReplyState.class);

    private static final BundledSchemas RELEASED = BundledSchemas.at(HISTORY);
    private static final EventCodec EVENTS = EventCodec.bundled();

    private StateSerdes() {}

    static Serde<Conversation> conversation() {
        return new AvroStateSerde<>(
                "conversation",
                ConversationState.class,
                RELEASED,
                StateSerdes::conversationState,
                StateSerdes::conversation,
                StateSerdes::readLegacyConversation);
    }

    static Serde<AwaitingReply> awaitingReply() {
        return awaitingReply(RELEASED);
    }

    /** Reading among other released versions: for tests of schema evolution. */
    static Serde<AwaitingReply> awaitingReply(BundledSchemas released) {
        return new AvroStateSerde<>(
                "awaiting-reply",
                AwaitingReplyState.class,
                released,
                StateSerdes::awaitingReplyState,
                StateSerdes::awaitingReply,
                StateSerdes::readLegacyAwaitingReply);
    }

    private static ConversationState conversationState(Conversation c) {
        return ConversationState.newBuilder()
                .setTurns(c.turns().stream()
                        .map(t -> new TurnState(TurnRole.valueOf(t.role().name()), t.text(), t.staffId()))
                        .toList())
                .setAnswered(c.answered())
                .setTakenOverBy(c.takenOverBy())
                .setLastMessageId(c.lastMessageId())
                .build();
    }

    private static Conversation conversation(ConversationState s) {
        return new Conversation(
                s.getTurns().stream()
                        .map(t -> new Turn(Turn.Role.valueOf(t.getRole().name()), t.getText(), t.getStaffId()))
                        .toList(),
                s.getAnswered(),
                s.getTakenOverBy(),
                s.getLastMessageId());
    }

    private static AwaitingReplyState awaitingReplyState(AwaitingReply queue) {
        return AwaitingReplyState.newBuilder()
                .setMessages(queue.messages().stream()
                        .map(w -> new WaitingMessage(ByteBuffer.wrap(EVENTS.encode(w.message())), w.traceparent()))
                        .toList())
                .build();
    }

    private static AwaitingReply awaitingReply(AwaitingReplyState s) {
        return new AwaitingReply(s.getMessages().stream()
                .map(w -> new AwaitingReply.Waiting(
                        (ChatMessageScreened) EVENTS.decode(bytesOf(w.getMessage())), w.getTraceparent()))
                .toList());
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** The hand-written format of before: the turns (role ordinal, UTF-8 text), then the answered ids. */
    static Conversation readLegacyConversation(DataInputStream in) throws IOException {
        int turns = in.readInt();
        List<Turn> t = new ArrayList<>(turns);
        for (int i = 0; i < turns; i++) {
            Turn.Role role = Turn.Role.values()[in.readByte()];
            byte[] text = new byte[in.readInt()];
            in.readFully(text);
            t.add(new Turn(role, new String(text, StandardCharsets.UTF_8)));
        }
        int ids = in.readInt();
        List<UUID> answered = new ArrayList<>(ids);
        for (int i = 0; i < ids; i++) {
            answered.add(new UUID(in.readLong(), in.readLong()));
        }
        return new Conversation(t, answered);
    }

    /** The hand-written format of before: each message's event encoding, then its optional traceparent. */
    static AwaitingReply readLegacyAwaitingReply(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<AwaitingReply.Waiting> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] event = new byte[in.readInt()];
            in.readFully(event);
            String traceparent = in.readBoolean() ? in.readUTF() : null;
            messages.add(new AwaitingReply.Waiting((ChatMessageScreened) EVENTS.decode(event), traceparent));
        }
        return new AwaitingReply(messages);
    }
}
