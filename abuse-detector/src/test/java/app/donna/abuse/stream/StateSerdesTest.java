package app.donna.abuse.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.abuse.state.MessageActivity;
import app.donna.schemas.BundledSchemas;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** The abuse-detector's store values survive their changelog round trip and are read across schema versions. */
class StateSerdesTest {

    @Test
    void aMessageActivityRoundTrips() {
        MessageActivity value = new MessageActivity(0x1234_5678_9abc_def0L, true);
        var serde = StateSerdes.messageActivity();

        byte[] bytes = serde.serializer().serialize("t", value);

        assertThat(bytes[0]).as("Avro single-object marker").isEqualTo((byte) 0xC3);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(value);
    }

    @Test
    void aValueWrittenWithAnEarlierSchemaIsReadWithTheNewFieldsDefault() throws Exception {
        // given an earlier release of the schema that did not record whether a message was flagged
        Schema current = MessageActivity.getClassSchema();
        Schema.Field textHash = current.getField("textHash");
        Schema earlier = Schema.createRecord(
                current.getName(),
                current.getDoc(),
                current.getNamespace(),
                false,
                List.of(new Schema.Field(textHash, textHash.schema())));
        BundledSchemas released = BundledSchemas.at(StateSerdes.HISTORY);
        BundledSchemas withEarlier = BundledSchemas.of(List.of(
                new BundledSchemas.Version(current.getFullName(), 0, BundledSchemas.fingerprint(earlier), earlier),
                released.history(current.getFullName()).getLast()));
        GenericRecord value = new GenericData.Record(earlier);
        value.put("textHash", 42L);
        byte[] written = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), earlier)
                .encode(value)
                .array();

        // when the current build reads it
        MessageActivity read =
                StateSerdes.messageActivity(withEarlier).deserializer().deserialize("t", written);

        // then the new field takes its default
        assertThat(read).isEqualTo(new MessageActivity(42L, false));
    }

    @Test
    void aValueOfAnUnreleasedSchemaIsRefused() {
        byte[] bytes = StateSerdes.messageActivity().serializer().serialize("t", new MessageActivity(1L, false));
        bytes[5] ^= 0x5A;

        assertThatThrownBy(() -> StateSerdes.messageActivity().deserializer().deserialize("t", bytes))
                .hasMessageContaining("unknown writer schema fingerprint");
    }
}
