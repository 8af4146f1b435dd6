package app.donna.schemas;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads an Avro single-object encoded event of one topic, resolving the writer schema among the bundled
 * versions. Throws {@link EventCodec.EventDecodingException} for bytes that are not such an event, carry
 * an unknown fingerprint, or hold an event the topic does not carry; consumers wrap this deserializer so
 * such records go to the dead-letter topic.
 */
public final class EventDeserializer implements Deserializer<SpecificRecordBase> {

    private final Topic topic;
    private final EventCodec codec;

    public EventDeserializer(Topic topic, EventCodec codec) {
        this.topic = topic;
        this.codec = codec;
    }

    @Override
    public SpecificRecordBase deserialize(String topicName, byte[] data) {
        if (data == null) {
            return null;
        }
        SpecificRecordBase event = codec.decode(data);
        if (!topic.carries(event.getClass())) {
            throw new EventCodec.EventDecodingException(
                    event.getSchema().getFullName() + " does not belong on " + topic.name());
        }
        return event;
    }
}
