package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.Turn;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The chat-processor's store values survive their changelog round trip, and a foreign format is refused. */
class StateSerdesTest {

    @Test
    void aConversationRoundTrips() {
        Conversation c = new Conversation(
                List.of(new Turn(Turn.Role.USER, "hi ✂"), new Turn(Turn.Role.ASSISTANT, "hello")),
                List.of(UUID.randomUUID(), UUID.randomUUID()));
        ConversationSerde serde = new ConversationSerde();

        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", c)))
                .isEqualTo(c);
    }

    @Test
    void anAwaitingQueueRoundTripsWithItsTraces() {
        AwaitingReply queue = new AwaitingReply(List.of(
                new AwaitingReply.Waiting(message("first"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                new AwaitingReply.Waiting(message("second"), null)));
        AwaitingReplySerde serde = new AwaitingReplySerde();

        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", queue)))
                .isEqualTo(queue);
    }

    @Test
    void anUnknownFormatVersionIsRefused() {
        byte[] bytes = new ConversationSerde().serializer().serialize("t", Conversation.EMPTY);
        bytes[0] = 9;

        assertThatThrownBy(() -> new ConversationSerde().deserializer().deserialize("t", bytes))
                .hasMessageContaining("unknown conversation format 9");
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
