package app.donna.cli.bench;

import app.donna.email.EmailProcessorApplication;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.EmailReceived;
import app.donna.events.settings.AutopilotMode;
import app.donna.events.settings.AutopilotSettings;
import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import app.donna.projections.email.GmailInboxProjection;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * {@code donna bench autopilot}: mails decided per second by the real autopilot (email-processor's
 * listener, its rules, the caps' transaction, {@code AutopilotDecided} and the draft job published and
 * acknowledged) beside the rate at which the real projector writes the same mails to the inbox read
 * model, on the same broker and PostgreSQL, in the same run.
 *
 * <p>It starts its own broker and database in a temporary folder, publishes every user's settings and all
 * the mail first, times the projector on it, then starts email-processor (sync, sending and drafting off,
 * so only deciding is timed) and times it from its first decision to its last.
 */
public final class AutopilotBench {

    private static final EventCodec CODEC = EventCodec.bundled();

    private AutopilotBench() {}

    public static int run(int mails, int users) throws Exception {
        Path home = Files.createTempDirectory("donna-bench-");
        System.out.printf("donna bench autopilot: %,d mails for %,d users; data in %s%n", mails, users, home);
        try (LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), 0);
                LocalPostgres postgres = LocalPostgres.start(home.resolve("postgres"), 0)) {
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-bench-postgres"));
            postgres.createDatabaseIfMissing("bench");
            String servers = kafka.bootstrapServers();
            try (HikariDataSource ds = ProjectorBench.dataSource(postgres.jdbcUrl("bench"))) {
                Flyway.configure()
                        .dataSource(ds)
                        .locations("classpath:db/migration")
                        .load()
                        .migrate();
                createTopics(servers);
                long took = publish(servers, mails, users);
                System.out.printf("published %,d settings and %,d mails in %,d ms%n", users, mails, took);

                System.out.println("projecting the mails into gmail_messages");
                double projected = ProjectorBench.project(servers, ds, new GmailInboxProjection(), mails, false);
                DSL.using(ds, SQLDialect.POSTGRES).execute("CHECKPOINT");
                double decided = decide(servers, postgres.jdbcUrl("bench"), mails);

                System.out.println();
                System.out.println("== result ==");
                System.out.printf("autopilot, mails decided:                %,10.0f mails/s%n", decided);
                System.out.printf("projector, the same mails to gmail_messages:%,8.0f mails/s%n", projected);
                System.out.printf("ratio, autopilot / projector:               %10.2f%n", decided / projected);
            }
        }
        FileSystemUtils.deleteRecursively(home);
        return 0;
    }

    private static void createTopics(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            List<NewTopic> topics = new ArrayList<>();
            for (Topic<?> t : List.of(Topics.EMAIL_EVENTS, Topics.EMAIL_JOBS, Topics.AUTOPILOT_SETTINGS)) {
                topics.add(new NewTopic(t.name(), t.partitions(), (short) 1));
                topics.add(new NewTopic(t.deadLetterName(), t.partitions(), (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Each user draft-only with caps of 50 a day, 5 a sender, 2 a thread; their mail a realistic mix: most
     * from customers (some writing twice in a thread), a fifth list mail, a tenth automatic replies.
     */
    private static long publish(String servers, int mails, int users) throws Exception {
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", servers, "linger.ms", 10, "batch.size", 262144),
                new StringSerializer(),
                new CatalogSerializer())) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            for (int u = 0; u < users; u++) {
                String user = "bench-user-" + u;
                producer.send(new ProducerRecord<>(
                        Topics.AUTOPILOT_SETTINGS.name(),
                        user,
                        AutopilotSettings.newBuilder()
                                .setEventId(UUID.randomUUID())
                                .setOccurredAt(now)
                                .setUserId(user)
                                .setEnabled(true)
                                .setMode(AutopilotMode.DRAFT_ONLY)
                                .setMaxRepliesPerDay(50)
                                .setMaxRepliesPerSender(5)
                                .setMaxRepliesPerThread(2)
                                .setUpdatedBy("bench")
                                .build()));
            }
            for (int i = 0; i < mails; i++) {
                String user = "bench-user-" + (i % users);
                Map<String, String> automation = i % 5 == 0
                        ? Map.of("list-id", "<weekly.supplies.example>", "precedence", "bulk")
                        : i % 10 == 1 ? Map.of("auto-submitted", "auto-replied") : Map.of();
                producer.send(new ProducerRecord<>(
                        Topics.EMAIL_EVENTS.name(),
                        user,
                        EmailReceived.newBuilder()
                                .setEventId(UUID.randomUUID())
                                .setOccurredAt(now)
                                .setUserId(user)
                                .setGmailMessageId(Long.toHexString(0x18c0000000000000L + i))
                                .setThreadId("t" + (i / 2))
                                .setFrom("Customer " + (i % 997) + " <customer" + (i % 997) + "@example.com>")
                                .setTo(List.of(user + "@salon.example"))
                                .setSubject("Booking question " + i)
                                .setSnippet("Hello, could I book an appointment next week? Thanks!")
                                .setReceivedAt(now)
                                .setLabelIds(List.of("INBOX", "UNREAD"))
                                .setRfc822MessageId("<m" + i + "@example.com>")
                                .setAutomationHeaders(automation)
                                .build()));
            }
            producer.flush();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Starts email-processor and counts its decisions on the topic, from the first to the last. */
    private static double decide(String servers, String jdbcUrl, int mails) {
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        servers,
                        "group.id",
                        "bench-counter-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.EMAIL_EVENTS.name()));
            ConfigurableApplicationContext app = EmailProcessorApplication.application()
                    .run(
                            "--spring.kafka.bootstrap-servers=" + servers,
                            "--spring.datasource.url=" + jdbcUrl,
                            "--spring.datasource.username=postgres",
                            "--spring.datasource.password=",
                            "--server.port=0",
                            "--donna.gmail.sync.enabled=false",
                            "--donna.gmail.drafting.enabled=false",
                            "--donna.gmail.send.enabled=false",
                            "--logging.level.app.donna.email.autopilot=WARN");
            try {
                long decided = 0;
                long firstAt = 0;
                long lastReport = System.nanoTime();
                while (decided < mails) {
                    for (var r : consumer.poll(Duration.ofMillis(100))) {
                        SpecificRecordBase event = CODEC.decode(r.value());
                        if (event instanceof AutopilotDecided) {
                            if (firstAt == 0) {
                                firstAt = System.nanoTime();
                            }
                            decided++;
                        }
                    }
                    if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        System.out.printf("  %,d of %,d decided%n", decided, mails);
                        lastReport = System.nanoTime();
                    }
                }
                double rate = (mails - 1) / ((System.nanoTime() - firstAt) / 1e9);
                System.out.printf("autopilot: %,d mails decided, %,.0f mails/s from its first decision%n", mails, rate);
                return rate;
            } finally {
                app.close();
            }
        }
    }
}
