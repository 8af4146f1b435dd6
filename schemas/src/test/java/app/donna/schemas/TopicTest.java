package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.settings.AutopilotSettings;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TopicTest {

    @Test
    void aTopicOfOneEventReadsThatEventTyped() {
        AutopilotSettings settings = settings();
        byte[] body = Topics.AUTOPILOT_SETTINGS
                .valueSerde()
                .serializer()
                .serialize(Topics.AUTOPILOT_SETTINGS.name(), new RecordHeaders(), settings);

        AutopilotSettings read =
                Topics.AUTOPILOT_SETTINGS.valueSerde().deserializer().deserialize("t", body);

        assertThat(read).isEqualTo(settings);
        assertThat(Topics.AUTOPILOT_SETTINGS.valueType()).isEqualTo(AutopilotSettings.class);
        assertThat(Topics.CHAT_INBOUND.valueType()).isEqualTo(SpecificRecordBase.class);
    }

    @Test
    void anotherEventOnATopicOfOneEventIsABadRecordNotAClassCast() {
        byte[] message = EventCodec.bundled().encode(EventCodecTest.message());

        assertThatThrownBy(() ->
                        Topics.AUTOPILOT_SETTINGS.valueSerde().deserializer().deserialize("t", message))
                .isInstanceOf(EventCodec.EventDecodingException.class)
                .hasMessageContaining("does not belong on donna.settings.autopilot");
    }

    @Test
    void theCatalogSerializerWritesWhatTheTopicsOwnSerdeWrites() {
        ChatMessageSubmitted message = EventCodecTest.message();
        RecordHeaders typed = new RecordHeaders();
        RecordHeaders catalog = new RecordHeaders();

        byte[] byTopic = Topics.CHAT_INBOUND.valueSerde().serializer().serialize("t", typed, message);
        byte[] byCatalog = new CatalogSerializer().serialize(Topics.CHAT_INBOUND.name(), catalog, message);

        assertThat(byCatalog).isEqualTo(byTopic).isEqualTo(EventCodec.bundled().encode(message));
        assertThat(EventSerializerTest.header(catalog, CloudEventHeaders.TYPE))
                .isEqualTo(EventSerializerTest.header(typed, CloudEventHeaders.TYPE));
    }

    @Test
    void theCatalogSerializerRefusesAnEventTheTopicDoesNotCarry() {
        assertThatThrownBy(() -> new CatalogSerializer()
                        .serialize(Topics.AUTOPILOT_SETTINGS.name(), new RecordHeaders(), EventCodecTest.message()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong on donna.settings.autopilot");
    }

    @Test
    void aRecordIsAddressedToItsTopic() {
        ChatMessageSubmitted message = EventCodecTest.message();

        ProducerRecord<String, SpecificRecordBase> record = Topics.CHAT_INBOUND.record("user_1", message);

        assertThat(record.topic()).isEqualTo("donna.chat.inbound");
        assertThat(record.key()).isEqualTo("user_1");
        assertThat(record.value()).isSameAs(message);
    }

    private static AutopilotSettings settings() {
        return AutopilotSettings.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setUserId("user_1")
                .setEnabled(true)
                .setMaxRepliesPerDay(10)
                .setUpdatedBy("user_1")
                .build();
    }
}
