package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatReplyDelta;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EventSerializerTest {

    @Test
    void writesCloudEventsBinaryModeHeadersAndANewTrace() {
        ChatMessageSubmitted event = EventCodecTest.message();
        RecordHeaders headers = new RecordHeaders();

        byte[] body =
                Topics.CHAT_INBOUND.valueSerde().serializer().serialize(Topics.CHAT_INBOUND.name(), headers, event);

        assertThat(header(headers, "ce_id")).isEqualTo(event.getEventId().toString());
        assertThat(header(headers, "ce_type")).isEqualTo("app.donna.events.chat.ChatMessageSubmitted");
        assertThat(header(headers, "ce_source")).isEqualTo("urn:donna:ingress-api");
        assertThat(header(headers, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(headers, "ce_time")).isEqualTo(event.getOccurredAt().toString());
        assertThat(header(headers, "ce_subject")).isEqualTo(event.getUserId()); // the topic's key
        assertThat(header(headers, "content-type")).isEqualTo("application/avro");
        assertThat(header(headers, "ce_dataschema")).startsWith("urn:avro:fingerprint:");
        assertThat(Traceparent.parse(header(headers, "traceparent"))).isPresent();
        assertThat(Topics.CHAT_INBOUND.valueSerde().deserializer().deserialize("t", body))
                .isEqualTo(event);
    }

    @Test
    void leavesTheTraceTheTracerWroteAsItIs() {
        Traceparent incoming = Traceparent.newRoot();
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", incoming.toString().getBytes(StandardCharsets.UTF_8));

        Topics.CHAT_INBOUND.valueSerde().serializer().serialize("t", headers, EventCodecTest.message());

        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(header(headers, "traceparent")).isEqualTo(incoming.toString());
    }

    @Test
    void replacesATraceparentThatIsNotOne() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "01-abc".getBytes(StandardCharsets.UTF_8));

        Topics.CHAT_INBOUND.valueSerde().serializer().serialize("t", headers, EventCodecTest.message());

        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(Traceparent.parse(header(headers, "traceparent"))).isPresent();
    }

    @Test
    void theSourceCanBeConfigured() {
        EventSerde<SpecificRecordBase> serde = Topics.CHAT_INBOUND.valueSerde();
        serde.configure(Map.of(EventSerializer.SOURCE_CONFIG, "chat-widget-gateway"), false);
        RecordHeaders headers = new RecordHeaders();

        serde.serializer().serialize("t", headers, EventCodecTest.message());

        assertThat(header(headers, "ce_source")).isEqualTo("urn:donna:chat-widget-gateway");
    }

    @Test
    void refusesAnEventThatDoesNotBelongOnTheTopic() {
        assertThatThrownBy(() -> Topics.CHAT_REPLIES
                        .valueSerde()
                        .serializer()
                        .serialize("t", new RecordHeaders(), EventCodecTest.message()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong on donna.chat.replies");
    }

    /** A topic's retired events: records of them kept from earlier versions are read, new ones refused. */
    @Test
    void anEventATopicNoLongerCarriesIsReadButNotWritten() {
        ChatReplyDelta fragment = ChatReplyDelta.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("alice")
                .setSequence(0)
                .setDelta("Hel")
                .build();
        assertThat(Topics.CHAT_REPLIES.readable(ChatReplyDelta.class)).isTrue();
        assertThat(Topics.CHAT_REPLIES.carries(ChatReplyDelta.class)).isFalse();
        assertThatThrownBy(() ->
                        Topics.CHAT_REPLIES.valueSerde().serializer().serialize("t", new RecordHeaders(), fragment))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong on donna.chat.replies");

        byte[] writtenEarlier =
                Topics.CHAT_REPLY_FRAGMENTS.valueSerde().serializer().serialize("t", new RecordHeaders(), fragment);
        assertThat(Topics.CHAT_REPLIES.valueSerde().deserializer().deserialize("t", writtenEarlier))
                .isEqualTo(fragment);
        // an event the topic never carried is still refused on reading
        byte[] stranger = Topics.CHAT_INBOUND
                .valueSerde()
                .serializer()
                .serialize("t", new RecordHeaders(), EventCodecTest.message());
        assertThatThrownBy(() -> Topics.CHAT_REPLIES.valueSerde().deserializer().deserialize("t", stranger))
                .hasMessageContaining("does not belong on donna.chat.replies");
    }

    @Test
    void rejectsMalformedTraceparents() {
        assertThat(Traceparent.parse("00-" + "0".repeat(32) + "-" + "1".repeat(16) + "-01"))
                .isEmpty();
        assertThat(Traceparent.parse("01-abc")).isEmpty();
        assertThat(Traceparent.parse(null)).isEmpty();
    }

    static String header(RecordHeaders headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
