package app.donna.schemas;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docs/asyncapi.yaml}: an AsyncAPI 3.0 description of every topic of the catalog ({@link Topics}),
 * made from the catalog and the events' Avro schemas, so it cannot say other than the code. Each topic is
 * a channel (its Kafka binding gives partitions and retention), each event a message whose payload is its
 * Avro schema, each writer's publishing a {@code send} operation. {@code AsyncApiDocsTest} fails when the
 * committed file differs from what this makes; rewrite it from the repository root with:
 *
 * <pre>./mvnw -q -f schemas/pom.xml test-compile exec:java -Dexec.mainClass=app.donna.schemas.AsyncApiDocument -Dexec.classpathScope=test</pre>
 */
public final class AsyncApiDocument {

    static final String KAFKA_BINDING = "0.5.0";
    static final String AVRO_FORMAT = "application/vnd.apache.avro+json;version=1.9.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws IOException {
        Path docs = Path.of(args.length > 0 ? args[0] : Files.isDirectory(Path.of("docs")) ? "docs" : "../docs");
        Path file = docs.resolve("asyncapi.yaml");
        Files.writeString(file, yaml());
        System.out.println("wrote " + file);
    }

    /** The document as YAML, in catalog order. */
    public static String yaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        options.setSplitLines(false);
        return "# Generated from the topic catalog (schemas/Topics.java) and the events' Avro schemas by\n"
                + "# schemas' AsyncApiDocument: do not edit; AsyncApiDocsTest says how to rewrite it.\n"
                + new Yaml(options).dump(document());
    }

    static Map<String, Object> document() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("asyncapi", "3.0.0");
        doc.put(
                "info",
                map(
                        "title", "Donna events",
                        "version", "0.1.0",
                        "description",
                                "The Kafka topics of Donna, the AI receptionist and assistant, and the events on"
                                        + " them. Every record is a CloudEvent in Kafka binary content mode:"
                                        + " the ce_* headers carry its metadata and the value is the event,"
                                        + " Avro single-object encoded (C3 01, the writer schema's CRC-64-AVRO"
                                        + " fingerprint, the body). Keys are strings. A record a consumer cannot"
                                        + " process goes to the topic's dead-letter twin, <topic>.DLT, with the"
                                        + " same value and headers that say why."));
        doc.put("defaultContentType", CloudEventHeaders.AVRO_CONTENT_TYPE);
        doc.put(
                "servers",
                map(
                        "dev",
                        map(
                                "host",
                                "127.0.0.1:9092",
                                "protocol",
                                "kafka",
                                "description",
                                "donna dev's embedded broker (DONNA_KAFKA_PORT)"),
                        "compose",
                        map(
                                "host",
                                "kafka-1:9092",
                                "protocol",
                                "kafka",
                                "description",
                                "docker-compose.yml's three-broker KRaft cluster (also kafka-2, kafka-3)")));
        Map<String, Object> channels = new LinkedHashMap<>();
        Map<String, Object> operations = new LinkedHashMap<>();
        Map<String, Object> messages = new LinkedHashMap<>();
        for (Topic<?> topic : Topics.ALL) {
            String channel = channelId(topic);
            Map<String, Object> channelMessages = new LinkedHashMap<>();
            List<Object> written = new ArrayList<>();
            for (Class<?> event : topic.events()) {
                channelMessages.put(event.getSimpleName(), ref("#/components/messages/" + event.getSimpleName()));
                written.add(ref("#/channels/" + channel + "/messages/" + event.getSimpleName()));
                messages.putIfAbsent(event.getSimpleName(), message(event));
            }
            for (Class<?> event : topic.retired()) {
                channelMessages.put(event.getSimpleName(), ref("#/components/messages/" + event.getSimpleName()));
                messages.putIfAbsent(event.getSimpleName(), message(event));
            }
            Map<String, Object> topicConfig = new LinkedHashMap<>();
            topicConfig.put("cleanup.policy", List.of(topic.cleanupPolicy().config()));
            topicConfig.put(
                    "retention.ms", topic.retention().map(d -> d.toMillis()).orElse(-1L));
            channels.put(
                    channel,
                    map(
                            "address", topic.name(),
                            "title", topic.name(),
                            "description",
                                    "Keyed by " + topic.key() + " (field " + topic.keyField() + "): its records"
                                            + " stay in order. Written by " + topic.writer() + "."
                                            + (topic.retired().isEmpty()
                                                    ? ""
                                                    : " Also holds, from earlier versions, "
                                                            + String.join(
                                                                    ", ",
                                                                    topic.retired().stream()
                                                                            .map(Class::getSimpleName)
                                                                            .toList())
                                                            + ": still read, no longer written."),
                            "messages", channelMessages,
                            "bindings",
                                    map(
                                            "kafka",
                                            map(
                                                    "topic",
                                                    topic.name(),
                                                    "partitions",
                                                    topic.partitions(),
                                                    "topicConfiguration",
                                                    topicConfig,
                                                    "bindingVersion",
                                                    KAFKA_BINDING))));
            operations.put(
                    "send" + Character.toUpperCase(channel.charAt(0)) + channel.substring(1),
                    map(
                            "action",
                            "send",
                            "channel",
                            ref("#/channels/" + channel),
                            "title",
                            topic.writer() + " writes " + topic.name(),
                            "messages",
                            written));
        }
        doc.put("channels", channels);
        doc.put("operations", operations);
        doc.put("components", map("messages", messages, "schemas", map("CloudEventHeaders", cloudEventHeaders())));
        return doc;
    }

    /** {@code donna.chat.inbound} becomes {@code chatInbound}. */
    static String channelId(Topic<?> topic) {
        String[] parts = topic.name().replaceFirst("^donna\\.", "").split("[.-]");
        StringBuilder id = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            id.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return id.toString();
    }

    private static Map<String, Object> message(Class<?> event) {
        Schema schema = SpecificData.get().getSchema(event);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("name", event.getSimpleName());
        message.put("title", event.getSimpleName());
        if (schema.getDoc() != null) {
            message.put("summary", schema.getDoc());
        }
        message.put("contentType", CloudEventHeaders.AVRO_CONTENT_TYPE);
        message.put("headers", ref("#/components/schemas/CloudEventHeaders"));
        message.put("payload", map("schemaFormat", AVRO_FORMAT, "schema", avro(schema)));
        message.put(
                "bindings",
                map(
                        "kafka",
                        map(
                                "key",
                                map("type", "string"),
                                "schemaIdLocation",
                                "payload",
                                "bindingVersion",
                                KAFKA_BINDING)));
        return message;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> avro(Schema schema) {
        try {
            return JSON.readValue(schema.toString(), LinkedHashMap.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> cloudEventHeaders() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(CloudEventHeaders.ID, header("the event's id (a UUID): the same id is the same event"));
        properties.put(
                CloudEventHeaders.TYPE,
                header("the event's Avro full name, e.g. app.donna.events.chat.ChatMessageSubmitted"));
        properties.put(CloudEventHeaders.SOURCE, header("the writing service"));
        properties.put(CloudEventHeaders.SPEC_VERSION, header("CloudEvents version, 1.0"));
        properties.put(CloudEventHeaders.TIME, header("when it happened, RFC 3339"));
        properties.put(CloudEventHeaders.SUBJECT, header("the record key"));
        properties.put(
                CloudEventHeaders.DATA_SCHEMA,
                header("urn:avro:fingerprint:<hex>, the writer schema's CRC-64-AVRO fingerprint"));
        properties.put(CloudEventHeaders.CONTENT_TYPE, header(CloudEventHeaders.AVRO_CONTENT_TYPE));
        properties.put(CloudEventHeaders.TRACEPARENT, header("W3C trace context: the trace the event belongs to"));
        return map("type", "object", "required", List.copyOf(properties.keySet()), "properties", properties);
    }

    private static Map<String, Object> header(String description) {
        return map("type", "string", "description", description);
    }

    private static Map<String, Object> ref(String target) {
        return map("$ref", target);
    }

    /** An ordered map of name, value pairs. */
    private static Map<String, Object> map(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private AsyncApiDocument() {}
}
