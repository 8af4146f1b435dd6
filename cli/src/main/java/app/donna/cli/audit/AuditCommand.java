package app.donna.cli.audit;

import app.donna.cli.BrokerSettings;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code donna audit}: the complete timeline of one user or one session, read from the log itself, across
 * every topic of the catalog (messages, verdicts, replies, calls, tool calls, actions, mail and autopilot
 * decisions, staff actions), in the order things happened. Nothing is read from a read model, so the
 * timeline holds what the topics hold, whatever a projection made of it.
 */
@Command(
        name = "audit",
        description = {
            "Prints the timeline of a user (--user) or a session, call or mailbox thread (--session) from every "
                    + "topic, oldest first, as JSON lines or a readable report.",
            "",
            "Environment: DONNA_KAFKA_BOOTSTRAP (default 127.0.0.1:9092); SPRING_KAFKA_SECURITY_PROTOCOL, "
                    + "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM, SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG and "
                    + "SPRING_KAFKA_SSL_TRUST_STORE_LOCATION/_TYPE/_PASSWORD as for the services."
        })
public final class AuditCommand implements Callable<Integer> {

    /** Whose timeline: exactly one of them. */
    static final class Subject {
        @Option(names = "--user", description = "a user id (a subject, anon:<session>, email:<address>)")
        String user;

        @Option(names = "--session", description = "a chat session, a voice call, or a mailbox user's id")
        String session;
    }

    /** Exactly one of them, unless a subcommand ({@code verify}) runs instead. */
    @ArgGroup(multiplicity = "0..1")
    Subject subject;

    @Option(names = "--from", description = "the earliest time, e.g. 2026-12-01T00:00:00Z (default: the start)")
    Instant from;

    @Option(names = "--to", description = "the latest time (default: now)")
    Instant to;

    @Option(
            names = "--format",
            defaultValue = "jsonl",
            description = "jsonl (one JSON object per event) or report (one readable line per event)")
    Format format;

    @Option(
            names = "--timeout",
            defaultValue = "PT60S",
            description = "how long to wait for the broker (ISO-8601 duration)")
    Duration timeout;

    @Spec
    CommandSpec spec;

    enum Format {
        jsonl,
        report
    }

    /** One event of the timeline and where it was read. */
    record Entry(Instant at, String topic, int partition, long offset, SpecificRecordBase event) {}

    /** The fields that name whom an event is about or by. */
    private static final List<String> PEOPLE =
            List.of("userId", "changedBy", "updatedBy", "createdBy", "staffId", "operator");

    /** The fields that name the conversation an event belongs to. */
    private static final List<String> CONVERSATIONS = List.of("sessionId", "voiceSessionId", "sourceId");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, String> env;

    public AuditCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        if (subject == null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "Missing required argument: one of --user or --session (or: verify)");
        }
        List<Entry> timeline = read();
        PrintWriter out = spec.commandLine().getOut();
        for (Entry e : timeline) {
            out.println(format == Format.jsonl ? json(e) : line(e));
        }
        out.flush();
        spec.commandLine()
                .getErr()
                .printf(
                        "%d event(s) of %s %s%n",
                        timeline.size(),
                        subject.user != null ? "user" : "session",
                        subject.user != null ? subject.user : subject.session);
        return 0;
    }

    /** Every event of the subject on every catalog topic within the window, oldest first. */
    List<Entry> read() {
        Instant until = to == null ? Instant.now() : to;
        EventCodec codec = EventCodec.bundled();
        List<Entry> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Topic<?> topic : Topics.ALL) {
                consumer.partitionsFor(topic.name(), timeout)
                        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            if (from == null) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(p -> at.put(p, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(at, timeout);
                for (TopicPartition p : partitions) {
                    OffsetAndTimestamp o = offsets.get(p);
                    consumer.seek(p, o == null ? end.get(p) : o.offset());
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the topics were not read within " + timeout);
                }
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null || r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    SpecificRecordBase event;
                    try {
                        event = codec.decode(r.value());
                    } catch (RuntimeException unreadable) {
                        continue; // a record nobody can read is the dead-letter topic's concern
                    }
                    Instant at = event.get("occurredAt") instanceof Instant i ? i : Instant.ofEpochMilli(r.timestamp());
                    if ((from == null || !at.isBefore(from)) && !at.isAfter(until) && concerns(event)) {
                        found.add(new Entry(at, r.topic(), r.partition(), r.offset(), event));
                    }
                }
            }
        }
        found.sort(Comparator.comparing(Entry::at)
                .thenComparing(Entry::topic)
                .thenComparingInt(Entry::partition)
                .thenComparingLong(Entry::offset));
        return found;
    }

    private boolean concerns(SpecificRecordBase event) {
        List<String> fields = subject.user != null ? PEOPLE : CONVERSATIONS;
        String wanted = subject.user != null ? subject.user : subject.session;
        Schema schema = event.getSchema();
        for (String field : fields) {
            if (schema.getField(field) != null && Objects.equals(wanted, String.valueOf(event.get(field)))) {
                return true;
            }
        }
        // a mail's and an autopilot's events are keyed by the mailbox's user, which is also its session here
        return subject.session != null
                && schema.getNamespace().endsWith(".email")
                && schema.getField("userId") != null
                && subject.session.equals(String.valueOf(event.get("userId")));
    }

    private static String json(Entry e) {
        ObjectNode line = JSON.createObjectNode();
        line.put("at", e.at().toString());
        line.put("topic", e.topic());
        line.put("partition", e.partition());
        line.put("offset", e.offset());
        line.put("type", e.event().getSchema().getName());
        line.set("event", eventJson(e.event()));
        return line.toString();
    }

    /** The event's fields as JSON: ids, times and enums as strings, records, lists and maps as they nest. */
    static JsonNode eventJson(Object value) {
        return switch (value) {
            case null -> JSON.getNodeFactory().nullNode();
            case Boolean b -> JSON.getNodeFactory().booleanNode(b);
            case Integer i -> JSON.getNodeFactory().numberNode(i);
            case Long l -> JSON.getNodeFactory().numberNode(l);
            case Double d -> JSON.getNodeFactory().numberNode(d);
            case Float f -> JSON.getNodeFactory().numberNode(f);
            case SpecificRecordBase record -> {
                ObjectNode node = JSON.createObjectNode();
                for (Schema.Field field : record.getSchema().getFields()) {
                    node.set(field.name(), eventJson(record.get(field.pos())));
                }
                yield node;
            }
            case List<?> list -> {
                var array = JSON.createArrayNode();
                list.forEach(item -> array.add(eventJson(item)));
                yield array;
            }
            case Map<?, ?> map -> {
                ObjectNode node = JSON.createObjectNode();
                map.forEach((k, v) -> node.set(String.valueOf(k), eventJson(v)));
                yield node;
            }
            default -> JSON.getNodeFactory().stringNode(String.valueOf(value));
        };
    }

    private static String line(Entry e) {
        SpecificRecordBase event = e.event();
        StringBuilder s = new StringBuilder();
        s.append(e.at()).append("  ").append(String.format("%-26s", e.topic())).append(' ');
        s.append(String.format("%-22s", event.getSchema().getName()));
        for (String field : List.of("userId", "text", "kind", "decision", "status", "changedBy", "subject", "reason")) {
            if (event.getSchema().getField(field) != null && event.get(field) != null) {
                String value = String.valueOf(event.get(field)).replaceAll("\\s+", " ");
                s.append("  ")
                        .append(field)
                        .append('=')
                        .append(value.length() > 80 ? value.substring(0, 79) + "…" : value);
            }
        }
        if (event.getSchema().getField("verdict") != null && event.get("verdict") instanceof SpecificRecordBase v) {
            s.append("  verdict=").append(v.get("decision"));
        }
        return s.toString();
    }

    /** A reader's settings: the bootstrap servers and the security settings the services take too. */
    private Map<String, Object> config() {
        return BrokerSettings.reader(env);
    }
}
