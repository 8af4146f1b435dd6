package app.donna.schemas;

import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde for one catalog topic's events: see {@link EventSerializer} and {@link EventDeserializer}. */
public final class EventSerde<V extends SpecificRecordBase> implements Serde<V> {

    private final EventSerializer<V> serializer;
    private final EventDeserializer<V> deserializer;

    public EventSerde(Topic<V> topic) {
        EventCodec codec = EventCodec.bundled();
        this.serializer = new EventSerializer<>(topic, codec);
        this.deserializer = new EventDeserializer<>(topic, codec);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<V> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<V> deserializer() {
        return deserializer;
    }
}
