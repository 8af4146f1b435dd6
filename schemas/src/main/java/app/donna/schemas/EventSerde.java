package app.donna.schemas;

import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde for one catalog topic's events: see {@link EventSerializer} and {@link EventDeserializer}. */
public final class EventSerde implements Serde<SpecificRecordBase> {

    private final EventSerializer serializer;
    private final EventDeserializer deserializer;

    public EventSerde(Topic topic) {
        EventCodec codec = EventCodec.bundled();
        this.serializer = new EventSerializer(topic, codec);
        this.deserializer = new EventDeserializer(topic, codec);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<SpecificRecordBase> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<SpecificRecordBase> deserializer() {
        return deserializer;
    }
}
