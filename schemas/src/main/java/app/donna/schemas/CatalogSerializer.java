package app.donna.schemas;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One value serializer for every catalog topic: picks the topic's {@link EventSerializer} by the topic
 * name of each record, so a single producer writes to any topic with the right headers and checks.
 * Configure by class name; {@value EventSerializer#SOURCE_CONFIG} names the writing service.
 */
public final class CatalogSerializer implements Serializer<SpecificRecordBase> {

    private final EventCodec codec = EventCodec.bundled();
    private final Map<String, EventSerializer<?>> byTopic = new ConcurrentHashMap<>();
    private Map<String, ?> configs = Map.of();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.configs = Map.copyOf(configs);
        byTopic.clear();
    }

    @Override
    public byte[] serialize(String topic, SpecificRecordBase event) {
        return serialize(topic, new RecordHeaders(), event);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, SpecificRecordBase event) {
        return serializerFor(topic).serializeAny(headers, event);
    }

    private EventSerializer<?> serializerFor(String topicName) {
        return byTopic.computeIfAbsent(topicName, name -> {
            Topic<?> topic = Topics.byName(name)
                    .orElseThrow(() -> new IllegalArgumentException("topic " + name + " is not in the catalog"));
            EventSerializer<?> serializer = new EventSerializer<>(topic, codec);
            serializer.configure(configs, false);
            return serializer;
        });
    }
}
