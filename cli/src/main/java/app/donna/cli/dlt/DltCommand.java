package app.donna.cli.dlt;

import app.donna.cli.BrokerSettings;
import app.donna.cli.TopicToEnd;
import app.donna.events.ops.DeadLettersRedriven;
import app.donna.platform.kafka.DonnaKafkaAutoConfiguration;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code donna dlt list | show | redrive}: the dead letters of every catalog topic (records a consumer could
 * not process, each with the reason it gave), and publishing them back to their source topic once what made
 * them fail is fixed. A redrive is recorded on {@code donna.ops.audit} first (who, when, how many, which,
 * why), and a dead letter redriven once is never redriven again, so a repeated command processes nothing
 * twice.
 */
@Command(
        name = "dlt",
        description = {
            "Dead letters: list them per topic, show a topic's, redrive them to their source topic once fixed.",
            "",
            "Environment: DONNA_KAFKA_BOOTSTRAP (default 127.0.0.1:9092) and the SPRING_KAFKA_* security settings "
                    + "the services take."
        })
public final class DltCommand {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** {@code donna dlt} with its subcommands, which read the broker {@code env} names. */
    public static CommandLine commandLine(Map<String, String> env) {
        return new CommandLine(new DltCommand())
                .addSubcommand(new ListDeadLetters(env))
                .addSubcommand(new Show(env))
                .addSubcommand(new Redrive(env));
    }

    /** Headers that describe the failure, not the record: not carried back to the source topic. */
    private static boolean aboutTheFailure(Header header) {
        return header.key().startsWith("kafka_dlt-") || header.key().startsWith("donna_dlt-");
    }

    /** One dead letter as read. */
    record DeadLetter(int partition, long offset, Instant at, String key, byte[] value, Iterable<Header> headers) {

        String where() {
            return partition + ":" + offset;
        }

        String reason() {
            return header(DonnaKafkaAutoConfiguration.REASON_HEADER)
                    .or(() -> header("kafka_dlt-exception-message"))
                    .orElse("");
        }

        java.util.Optional<String> header(String name) {
            for (Header h : headers) {
                if (h.key().equals(name) && h.value() != null) {
                    return java.util.Optional.of(new String(h.value(), StandardCharsets.UTF_8));
                }
            }
            return java.util.Optional.empty();
        }

        /** The event as text, or a note that it is not one this version reads. */
        String event() {
            try {
                SpecificRecordBase event = EventCodec.bundled().decode(value);
                return event.getSchema().getName() + " " + event;
            } catch (RuntimeException unreadable) {
                return "(not an event this version reads: " + (value == null ? 0 : value.length) + " bytes)";
            }
        }

        boolean matches(String filter) {
            return filter == null
                    || String.valueOf(key).contains(filter)
                    || reason().contains(filter)
                    || event().contains(filter);
        }
    }

    /** Every dead letter of {@code topic}'s dead-letter topic, oldest first per partition. */
    static List<DeadLetter> read(Map<String, String> env, Topic<?> topic) {
        List<DeadLetter> letters = new ArrayList<>();
        TopicToEnd.read(
                env,
                topic.deadLetterName(),
                TIMEOUT,
                r -> letters.add(new DeadLetter(
                        r.partition(),
                        r.offset(),
                        Instant.ofEpochMilli(r.timestamp()),
                        r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                        r.value(),
                        r.headers())));
        return letters;
    }

    static Topic<?> topic(CommandSpec spec, String name) {
        return Topics.byName(name)
                .orElseThrow(() -> new CommandLine.ParameterException(
                        spec.commandLine(), "No topic " + name + " in the catalog; see donna topics"));
    }

    @Command(name = "list", description = "How many dead letters each topic has, and the latest one's reason.")
    static final class ListDeadLetters implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        private final Map<String, String> env;

        ListDeadLetters(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Set<String> redriven = redriven(env);
            for (Topic<?> topic : Topics.ALL) {
                List<DeadLetter> letters = read(env, topic);
                long waiting = letters.stream()
                        .filter(l -> !redriven.contains(topic.name() + "@" + l.where()))
                        .count();
                out.printf(
                        "%-30s %5d dead letter(s), %5d not redriven%s%n",
                        topic.name(),
                        letters.size(),
                        waiting,
                        letters.isEmpty()
                                ? ""
                                : "  latest: " + shorten(letters.getLast().reason()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", description = "A topic's dead letters: where, when, why, and the record.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "TOPIC", description = "a catalog topic, e.g. donna.chat.screened")
        String topic;

        @Option(names = "--filter", description = "only those whose key, reason or event contains this text")
        String filter;

        @Spec
        CommandSpec spec;

        private final Map<String, String> env;

        Show(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Topic<?> source = topic(spec, topic);
            Set<String> redriven = redriven(env);
            for (DeadLetter l : read(env, source)) {
                if (l.matches(filter)) {
                    out.printf(
                            "%s  %s  key=%s%s%n  reason: %s%n  %s%n",
                            l.where(),
                            l.at(),
                            l.key(),
                            redriven.contains(source.name() + "@" + l.where()) ? "  (redriven)" : "",
                            l.reason(),
                            shorten(l.event()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "redrive",
            description = {
                "Publishes a topic's dead letters (those matching --filter) back to the topic, once the cause is "
                        + "fixed; records who, how many and why on donna.ops.audit first. A dead letter redriven "
                        + "before is not redriven again."
            })
    static final class Redrive implements Callable<Integer> {
        @Parameters(paramLabel = "TOPIC", description = "a catalog topic, e.g. donna.chat.screened")
        String topic;

        @Option(names = "--filter", description = "only those whose key, reason or event contains this text")
        String filter;

        @Option(names = "--reason", required = true, description = "why they are redriven, for the record")
        String reason;

        @Option(names = "--operator", description = "who redrives them (default: this account's login name)")
        String operator;

        @Spec
        CommandSpec spec;

        private final Map<String, String> env;

        Redrive(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Topic<?> source = topic(spec, topic);
            Set<String> before = redriven(env);
            List<DeadLetter> chosen = read(env, source).stream()
                    .filter(l -> !before.contains(source.name() + "@" + l.where()))
                    .filter(l -> l.matches(filter))
                    .toList();
            if (chosen.isEmpty()) {
                out.println("Nothing to redrive on " + source.deadLetterName()
                        + (filter == null ? "" : " matching " + filter) + ".");
                out.flush();
                return 0;
            }
            String who = operator != null ? operator : System.getProperty("user.name", "unknown");
            DeadLettersRedriven record = DeadLettersRedriven.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .setSubject(source.name())
                    .setOperator(who)
                    .setReason(reason)
                    .setFilter(filter)
                    .setCount(chosen.size())
                    .setOffsets(chosen.stream().map(DeadLetter::where).toList())
                    .setHost(host())
                    .build();
            Map<String, Object> producer = BrokerSettings.of(env);
            producer.put("acks", "all");
            producer.put("enable.idempotence", true);
            // the record first: a redrive never happens without one
            try (var audit = new KafkaProducer<>(producer, new StringSerializer(), new CatalogSerializer())) {
                audit.send(Topics.OPS_AUDIT.record(source.name(), record)).get(30, TimeUnit.SECONDS);
            }
            try (var back = new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer())) {
                List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
                for (DeadLetter l : chosen) {
                    RecordHeaders headers = new RecordHeaders();
                    l.headers().forEach(h -> {
                        if (!aboutTheFailure(h)) {
                            headers.add(h);
                        }
                    });
                    headers.add(
                            "donna_redriven-from",
                            (source.deadLetterName() + "@" + l.where()).getBytes(StandardCharsets.UTF_8));
                    sends.add(back.send(new ProducerRecord<>(
                            source.name(),
                            null,
                            l.key() == null ? null : l.key().getBytes(StandardCharsets.UTF_8),
                            l.value(),
                            headers)));
                }
                for (var send : sends) {
                    send.get(30, TimeUnit.SECONDS);
                }
            }
            out.printf(
                    "Redrove %d dead letter(s) of %s back to it, as %s: %s%n",
                    chosen.size(), source.deadLetterName(), who, reason);
            out.flush();
            return 0;
        }
    }

    /** {@code <topic>@<partition>:<offset>} of every dead letter redriven before, from donna.ops.audit. */
    static Set<String> redriven(Map<String, String> env) {
        Set<String> done = new HashSet<>();
        EventCodec codec = EventCodec.bundled();
        TopicToEnd.read(env, Topics.OPS_AUDIT.name(), TIMEOUT, r -> {
            try {
                if (codec.decode(r.value()) instanceof DeadLettersRedriven d) {
                    d.getOffsets().forEach(o -> done.add(d.getSubject() + "@" + o));
                }
            } catch (RuntimeException unreadable) {
                // a record of a later version: not a redrive this one knows
            }
        });
        return done;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String shorten(String text) {
        String line = text.replaceAll("\\s+", " ");
        return line.length() > 160 ? line.substring(0, 159) + "…" : line;
    }
}
