package app.donna.schemas;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One value deserializer for every catalog topic (and its dead-letter topic): decodes with the bundled
 * schemas and checks the event belongs on the topic it was read from.
 */
public final class CatalogDeserializer implements Deserializer<SpecificRecordBase> {

    private final EventCodec codec = EventCodec.bundled();
    private final Map<String, EventDeserializer<?>> byTopic = new ConcurrentHashMap<>();

    @Override
    public SpecificRecordBase deserialize(String topicName, byte[] data) {
        return byTopic.computeIfAbsent(
                        topicName,
                        name -> new EventDeserializer<>(
                                Topics.byName(name)
                                        .orElseThrow(() -> new IllegalArgumentException(
                                                "topic " + name + " is not in the catalog")),
                                codec))
                .deserialize(topicName, data);
    }
}
