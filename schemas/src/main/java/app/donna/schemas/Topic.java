package app.donna.schemas;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One Kafka topic of the catalog: its name, what its key is, which events it carries, and how the broker
 * keeps it. Declared once in {@link Topics}; nothing else spells a topic name.
 *
 * <p>Typed by its value: a topic that carries one event is a {@code Topic<ThatEvent>}, so its serde,
 * records and streams need no casts. A topic that carries several is a {@code Topic<SpecificRecordBase>},
 * the one supertype Avro gives its generated classes; readers of such a topic tell its events apart with
 * {@code instanceof} patterns. Keys are always strings (ids), so the key type is not a parameter.
 *
 * @param <V>           the value type: the event class, or {@link SpecificRecordBase} when several
 * @param name          the topic name
 * @param key           what the record key is (ordering follows it), e.g. "session id"
 * @param keyField      the event field holding the key; also written as the CloudEvents subject
 * @param valueType     the class of {@code V}
 * @param events        the event types this topic carries (a topic may carry several)
 * @param retired       event types earlier versions wrote here and no longer do: still read (records kept
 *                      from then), never written
 * @param partitions    partitions created at start-up
 * @param retention     how long records are kept; empty means forever
 * @param cleanupPolicy delete (time-based) or compact (latest per key)
 * @param writer        the service that writes it, used as the default CloudEvents source
 */
public record Topic<V extends SpecificRecordBase>(
        String name,
        String key,
        String keyField,
        Class<V> valueType,
        List<Class<? extends V>> events,
        List<Class<? extends V>> retired,
        int partitions,
        Optional<Duration> retention,
        CleanupPolicy cleanupPolicy,
        String writer) {

    /** Suffix of the dead-letter topic that receives records a consumer of this topic cannot process. */
    public static final String DEAD_LETTER_SUFFIX = ".DLT";

    public enum CleanupPolicy {
        DELETE("delete"),
        COMPACT("compact");

        private final String config;

        CleanupPolicy(String config) {
            this.config = config;
        }

        public String config() {
            return config;
        }
    }

    public Topic {
        events = List.copyOf(events);
        retired = List.copyOf(retired);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("topic " + name + " carries no event type");
        }
        if (retired.stream().anyMatch(events::contains)) {
            throw new IllegalArgumentException("topic " + name + " lists an event as both carried and retired");
        }
    }

    /** A topic that carries one event, typed by it. */
    public static <E extends SpecificRecordBase> Topic<E> of(
            String name,
            String key,
            String keyField,
            Class<E> event,
            int partitions,
            Optional<Duration> retention,
            CleanupPolicy cleanupPolicy,
            String writer) {
        return new Topic<>(
                name, key, keyField, event, List.of(event), List.of(), partitions, retention, cleanupPolicy, writer);
    }

    /** A topic that carries several events, typed by their only common supertype. */
    public static Topic<SpecificRecordBase> ofSeveral(
            String name,
            String key,
            String keyField,
            List<Class<? extends SpecificRecordBase>> events,
            int partitions,
            Optional<Duration> retention,
            CleanupPolicy cleanupPolicy,
            String writer) {
        return new Topic<>(
                name,
                key,
                keyField,
                SpecificRecordBase.class,
                events,
                List.of(),
                partitions,
                retention,
                cleanupPolicy,
                writer);
    }

    /**
     * This topic, noting events that earlier versions wrote here and this one writes elsewhere: readers
     * still accept the records kept from then ({@link #readable}), writers refuse new ones ({@link #carries}).
     */
    public Topic<V> formerlyCarrying(List<Class<? extends V>> retiredEvents) {
        return new Topic<>(
                name, key, keyField, valueType, events, retiredEvents, partitions, retention, cleanupPolicy, writer);
    }

    /** Keys are plain UTF-8 strings (ids), so any tool can read them. */
    public Serde<String> keySerde() {
        return Serdes.String();
    }

    /** Avro single-object encoded events, with CloudEvents headers written by the serializer. */
    public EventSerde<V> valueSerde() {
        return new EventSerde<>(this);
    }

    /** A record of this topic, for a producer typed like it. */
    public ProducerRecord<String, V> record(String key, V value) {
        return new ProducerRecord<>(name, key, value);
    }

    /** The broker-side settings this topic is created with. */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("cleanup.policy", cleanupPolicy.config());
        config.put(
                "retention.ms", String.valueOf(retention.map(Duration::toMillis).orElse(-1L)));
        return config;
    }

    /** The dead-letter topic of this one: same partitions, kept forever, bytes stored as they came. */
    public String deadLetterName() {
        return name + DEAD_LETTER_SUFFIX;
    }

    /** Whether {@code type} is one of the events this topic carries: what may be written to it. */
    public boolean carries(Class<?> type) {
        return events.contains(type);
    }

    /** Whether a reader may find {@code type} here: an event it carries, or one it carried before. */
    public boolean readable(Class<?> type) {
        return carries(type) || retired.contains(type);
    }
}
