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

/**
 * How records of {@code donna.chat.replies} and {@code donna.chat.reply-fragments} become server-sent events,
 * and how event ids name a stream's position in both.
 */
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
        ChatReplyDelayed delayed = delayed();

        ReplyStreams.Event event = streams.toEvent(new ConsumerRecord<>(
                        Topics.CHAT_REPLY_FRAGMENTS.name(),
                        2,
                        41L,
                        delayed.getSessionId().toString().getBytes(),
                        EventCodec.bundled().encode(delayed)))
                .orElseThrow();

        assertThat(event.name()).isEqualTo("status");
        assertThat(event.source()).isEqualTo(ReplyStreams.Source.FRAGMENTS);
        assertThat(event.offset()).isEqualTo(41);
        assertThat(event.data())
                .containsEntry("replyId", delayed.getReplyId())
                .containsEntry("inReplyTo", delayed.getInReplyToMessageId())
                .containsEntry("reason", "MODEL_SLOW")
                .containsEntry("waitedMs", 3_000L);
    }

    @Test
    void aRecordOfAnotherTopicIsNoEvent() {
        ChatReplyDelayed delayed = delayed();
        assertThat(streams.toEvent(new ConsumerRecord<>(
                        Topics.CHAT_SCREENED.name(),
                        0,
                        0L,
                        new byte[0],
                        EventCodec.bundled().encode(delayed))))
                .isEmpty();
    }

    @Test
    void anEventIdNamesThePartitionAndTheNextOffsetOfBothTopics() {
        assertThat(ReplyStreams.Position.parse("3:120:7"))
                .contains(new ReplyStreams.Position(3, 120, 7))
                .get()
                .hasToString("3:120:7");
        // the older form named the last reply event sent, and no fragment position
        assertThat(ReplyStreams.Position.parse("3:119"))
                .contains(new ReplyStreams.Position(3, 120, ReplyStreams.Position.UNKNOWN));
        assertThat(ReplyStreams.Position.parse("3:9223372036854775807")).isEmpty();
        assertThat(ReplyStreams.Position.parse("0:99999999999999999999:0")).isEmpty();
        assertThat(ReplyStreams.Position.parse("-1:0:0")).isEmpty();
        assertThat(ReplyStreams.Position.parse("1:2:3:4")).isEmpty();
        assertThat(ReplyStreams.Position.parse(null)).isEmpty();
    }

    @Test
    void aReplayMergesBothTopicsAsWrittenKeepingEachInOffsetOrder() {
        List<ReplyStreams.Event> replies = List.of(reply(10, 1_000), reply(11, 2_000));
        // fragments of the first reply, then of the second; one written in the same millisecond as a reply
        List<ReplyStreams.Event> fragments =
                List.of(fragment(50, 900), fragment(51, 1_000), fragment(52, 1_500), fragment(53, 1_900));

        assertThat(ReplyStreams.inWrittenOrder(replies, fragments))
                .extracting(e -> e.source() + "@" + e.offset())
                .containsExactly(
                        "FRAGMENTS@50", "FRAGMENTS@51", "REPLIES@10", "FRAGMENTS@52", "FRAGMENTS@53", "REPLIES@11");
        // a clock that went back between writers never reorders a topic's own events
        assertThat(ReplyStreams.inWrittenOrder(
                        List.of(reply(10, 5_000), reply(11, 1_000)), List.of(fragment(50, 3_000))))
                .extracting(e -> e.source() + "@" + e.offset())
                .containsExactly("FRAGMENTS@50", "REPLIES@10", "REPLIES@11");
        assertThat(ReplyStreams.inWrittenOrder(List.of(), List.of())).isEmpty();
    }

    private static ChatReplyDelayed delayed() {
        return ChatReplyDelayed.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("alice")
                .setReason(ChatReplyDelayReason.MODEL_SLOW)
                .setWaitedMs(3_000)
                .build();
    }

    private static ReplyStreams.Event reply(long offset, long timestamp) {
        return new ReplyStreams.Event(
                ReplyStreams.Source.REPLIES, offset, timestamp, UUID.randomUUID(), "reply", java.util.Map.of());
    }

    private static ReplyStreams.Event fragment(long offset, long timestamp) {
        return new ReplyStreams.Event(
                ReplyStreams.Source.FRAGMENTS, offset, timestamp, UUID.randomUUID(), "delta", java.util.Map.of());
    }

    @Test
    void aRecordItCannotDecodeIsSkipped() {
        assertThat(streams.toEvent(
                        new ConsumerRecord<>(Topics.CHAT_REPLIES.name(), 0, 0L, new byte[0], new byte[] {1, 2, 3})))
                .isEmpty();
    }
}
