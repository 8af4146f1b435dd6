package app.donna.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes an event as Avro single-object encoding and stamps the record with CloudEvents binary-mode
 * headers. A W3C {@code traceparent} the record carries is left as it is: the service's tracer wrote it
 * (an observed template, or a stream processor's span). A record without one (a tool's, a test's) gets a
 * new, unsampled trace, so its readers' log lines still share one trace id.
 *
 * <p>Refuses events that the topic does not carry, so a wiring mistake fails at the producer instead of
 * poisoning the topic. The CloudEvents source is {@code urn:donna:<service>}; the service is the topic's
 * writer unless {@value #SOURCE_CONFIG} is configured.
 */
public final class EventSerializer<V extends SpecificRecordBase> implements Serializer<V> {

    /** Producer/Streams config key naming the service that writes, for {@code ce_source}. */
    public static final String SOURCE_CONFIG = "donna.cloudevents.source";

    private final Topic<V> topic;
    private final EventCodec codec;
    private volatile String source;

    public EventSerializer(Topic<V> topic, EventCodec codec) {
        this.topic = topic;
        this.codec = codec;
        this.source = "urn:donna:" + topic.writer();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object configured = configs.get(SOURCE_CONFIG);
        if (configured != null && !configured.toString().isBlank()) {
            source = "urn:donna:" + configured.toString().strip();
        }
    }

    @Override
    public byte[] serialize(String topicName, V event) {
        return event == null ? null : encode(event);
    }

    @Override
    public byte[] serialize(String topicName, Headers headers, V event) {
        return write(headers, event);
    }

    /**
     * For {@link CatalogSerializer}, which learns the topic from each record's name and so cannot know
     * {@code V}: the check that the topic carries the event is the same either way.
     */
    byte[] serializeAny(Headers headers, SpecificRecordBase event) {
        return write(headers, event);
    }

    private byte[] write(Headers headers, SpecificRecordBase event) {
        if (event == null) {
            return null;
        }
        byte[] body = encode(event);
        Object eventId = event.get("eventId");
        Object occurredAt = event.get("occurredAt");
        Object subject = event.get(topic.keyField());
        if (eventId == null || occurredAt == null) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " lacks eventId or occurredAt");
        }
        Optional<Traceparent> trace = Traceparent.parse(last(headers, CloudEventHeaders.TRACEPARENT));
        put(headers, CloudEventHeaders.ID, eventId.toString());
        put(headers, CloudEventHeaders.TYPE, event.getSchema().getFullName());
        put(headers, CloudEventHeaders.SOURCE, source);
        put(headers, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
        put(headers, CloudEventHeaders.TIME, DateTimeFormatter.ISO_INSTANT.format((Instant) occurredAt));
        if (subject != null) {
            put(headers, CloudEventHeaders.SUBJECT, subject.toString());
        }
        put(
                headers,
                CloudEventHeaders.DATA_SCHEMA,
                "urn:avro:fingerprint:" + EventCodec.hex(EventCodec.fingerprintOf(body)));
        put(headers, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.AVRO_CONTENT_TYPE);
        if (trace.isEmpty()) {
            put(headers, CloudEventHeaders.TRACEPARENT, Traceparent.newRoot().toString());
        }
        return body;
    }

    private byte[] encode(SpecificRecordBase event) {
        if (!topic.carries(event.getClass())) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " does not belong on " + topic.name());
        }
        return codec.encode(event);
    }

    static String last(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
