package app.donna.schemas;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads an Avro single-object encoded event of one topic, resolving the writer schema among the bundled
 * versions. Throws {@link EventCodec.EventDecodingException} for bytes that are not such an event, carry
 * an unknown fingerprint, or hold an event the topic does not carry; consumers wrap this deserializer so
 * such records go to the dead-letter topic.
 */
public final class EventDeserializer<V extends SpecificRecordBase> implements Deserializer<V> {

    private final Topic<V> topic;
    private final EventCodec codec;

    public EventDeserializer(Topic<V> topic, EventCodec codec) {
        this.topic = topic;
        this.codec = codec;
    }

    @Override
    public V deserialize(String topicName, byte[] data) {
        if (data == null) {
            if (topic.cleanupPolicy() == Topic.CleanupPolicy.COMPACT) {
                return null; // a tombstone: the key's state is deleted
            }
            // On a topic of events a null value is nobody's event: dead-lettered like any other bad record,
            // never silently skipped.
            throw new EventCodec.EventDecodingException(
                    "a record without a value on " + topic.name() + ", which carries events, not deletable state");
        }
        SpecificRecordBase event = codec.decode(data);
        if (!topic.readable(event.getClass())) {
            throw new EventCodec.EventDecodingException(
                    event.getSchema().getFullName() + " does not belong on " + topic.name());
        }
        // The one checked cast of a topic's value: it carries (or carried) the event, so the event is a V.
        return topic.valueType().cast(event);
    }
}
