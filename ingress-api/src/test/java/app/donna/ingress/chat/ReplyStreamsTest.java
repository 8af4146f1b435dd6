package app.donna.ingress.chat;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatReplyDelayReason;
import app.donna.events.chat.ChatReplyDelayed;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/** How records of {@code donna.chat.replies} become server-sent events. */
class ReplyStreamsTest {

    final ReplyStreams streams = new ReplyStreams(
            new KafkaClientProperties(new KafkaProperties(), () -> List.of("127.0.0.1:9")),
            new ChatApiSettings(
                    Duration.ofSeconds(10),
                    4000,
                    50,
                    5,
                    10,
                    Duration.ofSeconds(15),
                    Duration.ofMinutes(30),
                    Duration.ofSeconds(60)),
            RecordTracing.noop(),
            new SimpleMeterRegistry());

    @Test
    void aDelayedReplyIsAStatusEvent() {
        ChatReplyDelayed delayed = ChatReplyDelayed.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("alice")
                .setReason(ChatReplyDelayReason.MODEL_SLOW)
                .setWaitedMs(3_000)
                .build();

        ReplyStreams.Event event = streams.toEvent(new ConsumerRecord<>(
                        Topics.CHAT_REPLIES.name(),
                        2,
                        41L,
                        delayed.getSessionId().toString().getBytes(),
                        EventCodec.bundled().encode(delayed)))
                .orElseThrow();

        assertThat(event.name()).isEqualTo("status");
        assertThat(event.position()).hasToString("2:41");
        assertThat(event.data())
                .containsEntry("replyId", delayed.getReplyId())
                .containsEntry("inReplyTo", delayed.getInReplyToMessageId())
                .containsEntry("reason", "MODEL_SLOW")
                .containsEntry("waitedMs", 3_000L);
    }

    @Test
    void aRecordItCannotDecodeIsSkipped() {
        assertThat(streams.toEvent(
                        new ConsumerRecord<>(Topics.CHAT_REPLIES.name(), 0, 0L, new byte[0], new byte[] {1, 2, 3})))
                .isEmpty();
    }
}
