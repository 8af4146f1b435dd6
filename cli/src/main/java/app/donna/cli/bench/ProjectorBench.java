package app.donna.cli.bench;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import app.donna.platform.observability.RecordTracing;
import app.donna.projections.chat.ChatProjection;
import app.donna.projections.engine.BatchProjector;
import app.donna.projections.engine.BinaryCopy;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.ProjectorSettings;
import app.donna.projections.engine.Replay;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.springframework.util.FileSystemUtils;

/**
 * {@code donna bench projector}: events per second from a topic to committed rows through the real
 * {@link BatchProjector} and {@link ChatProjection}, beside pgbench's rate for plain 1,000-row multi-row
 * INSERTs (the statement of {@code ../shared/tools/pg-baseline.sh}) and the rate of the same rows loaded
 * with binary COPY, 1,000 per transaction, into the same PostgreSQL server, in the same run.
 *
 * <p>It starts its own broker and database in a temporary folder, publishes the events first, then
 * times the projector from start until it has committed them all (so the figure is the projector's,
 * not the producer's).
 */
public final class ProjectorBench {

    private ProjectorBench() {}

    /**
     * Publishes {@code events} events, times the projector on them, then pgbench and the COPY baseline for
     * {@code pgbenchSeconds} each.
     */
    public static int run(int events, int pgbenchSeconds) throws Exception {
        Path home = Files.createTempDirectory("donna-bench-");
        System.out.printf("donna bench projector: %,d events; data in %s%n", events, home);
        try (LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), 0);
                LocalPostgres postgres = LocalPostgres.start(home.resolve("postgres"), 0)) {
            // PostgreSQL runs in a process of its own: stop it on Ctrl-C too
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-bench-postgres"));
            postgres.createDatabaseIfMissing("bench");
            try (HikariDataSource ds = dataSource(postgres.jdbcUrl("bench"))) {
                Flyway.configure()
                        .dataSource(ds)
                        .locations("classpath:db/migration")
                        .load()
                        .migrate();
                createTopics(kafka.bootstrapServers());

                long published = publish(kafka.bootstrapServers(), events);
                System.out.printf("published %,d events in %,d ms%n", events, published);

                double synced = project(kafka.bootstrapServers(), ds, events, true);
                reset(ds);
                double asynced = project(kafka.bootstrapServers(), ds, events, false);
                double replayed = replay(kafka.bootstrapServers(), ds, events);
                Optional<Double> pgbenchRate = pgbench(postgres.port(), pgbenchSeconds, home);
                double copyRate = copyBaseline(ds, pgbenchSeconds);

                System.out.println();
                System.out.println("== result ==");
                System.out.printf("projector, synchronous_commit=on:           %,10.0f events/s%n", synced);
                System.out.printf("projector, synchronous_commit=off (default):%,10.0f events/s%n", asynced);
                if (pgbenchRate.isPresent()) {
                    System.out.printf(
                            "pgbench, 1,000-row multi-row INSERT, c=1:   %,10.0f rows/s%n", pgbenchRate.get());
                    System.out.printf(
                            "ratio, default projector / pgbench:          %10.2f  (goal >= 1.00)%n",
                            asynced / pgbenchRate.get());
                    System.out.printf(
                            "ratio, synchronous projector / pgbench:      %10.2f%n", synced / pgbenchRate.get());
                }
                System.out.printf("donna replay chat (rebuild into the shadow): %,10.0f events/s%n", replayed);
                System.out.printf(
                        "ratio, replay / default projector:           %10.2f  (goal >= 1.00)%n", replayed / asynced);
                System.out.printf(
                        "replay of 1,000,000 events would take:       %10.1f s  (goal < 60)%n", 1_000_000 / replayed);
                System.out.printf("binary COPY, 1,000 rows per transaction:     %,10.0f rows/s%n", copyRate);
                System.out.printf("ratio, default projector / COPY:             %10.2f%n", asynced / copyRate);
                System.out.printf("ratio, synchronous projector / COPY:         %10.2f%n", synced / copyRate);
            }
        }
        FileSystemUtils.deleteRecursively(home);
        return 0;
    }

    /**
     * Rebuilds the chat read model from the same topic into its shadow schema, as {@code donna replay chat}
     * does, beside the live tables the projector just wrote; returns events per second, from start to the
     * last committed batch.
     */
    private static double replay(String servers, HikariDataSource ds, int events) throws Exception {
        System.out.println("replaying into the shadow schema, as donna replay chat");
        Replay replay = new Replay(ds, Map.of("bootstrap.servers", servers), new ChatProjection(), Clock.systemUTC());
        Replay.Rebuilt rebuilt =
                replay.rebuild(p -> System.out.printf("  %,d of %,d events%n", p.applied() + p.skipped(), p.total()));
        if (rebuilt.events() != events) {
            throw new IllegalStateException("the replay projected " + rebuilt.events() + " events of " + events);
        }
        replay.compare()
                .forEach(t -> System.out.printf(
                        "  %s: live %,d rows, rebuilt %,d: %s%n",
                        t.table(), t.liveRows(), t.shadowRows(), t.same() ? "same" : "DIFFERS"));
        System.out.printf(
                "replay: %,d events in %,d ms: %,.0f events/s%n",
                events, rebuilt.took().toMillis(), rebuilt.eventsPerSecond());
        return rebuilt.eventsPerSecond();
    }

    /** Empties the read model and its offsets, so the next projector reads the topic from the start. */
    private static void reset(HikariDataSource ds) {
        DSL.using(ds, SQLDialect.POSTGRES)
                .execute("TRUNCATE chat_messages, chat_sessions; DELETE FROM projector_offsets; CHECKPOINT");
    }

    private static double project(String servers, HikariDataSource ds, int events, boolean synchronousCommit) {
        System.out.printf("projecting with synchronous_commit=%s%n", synchronousCommit ? "on" : "off");
        return project(servers, ds, new ChatProjection(), events, synchronousCommit);
    }

    /**
     * Times the real projector with {@code projection} on {@code events} events published already, from
     * start and after its first committed batch (returned).
     */
    static double project(
            String servers, HikariDataSource ds, Projection projection, int events, boolean synchronousCommit) {
        ProjectorSettings settings = new ProjectorSettings(
                true, 2000, Duration.ofMillis(100), Duration.ofMillis(50), 3, Duration.ofSeconds(5), synchronousCommit);
        // every bench event is valid: one given up on means the figure is wrong
        AtomicReference<Exception> refused = new AtomicReference<>();
        BatchProjector projector = new BatchProjector(
                projection,
                DSL.using(ds, SQLDialect.POSTGRES),
                (record, error) -> refused.compareAndSet(null, error),
                settings,
                Map.of("bootstrap.servers", servers),
                Clock.systemUTC(),
                RecordTracing.noop(),
                new SimpleMeterRegistry());
        long start = System.nanoTime();
        long firstCommitAt = 0;
        long firstCommitCount = 0;
        projector.start();
        long count;
        try {
            while ((count = projector.projectedCount()) < events) {
                if (refused.get() != null) {
                    throw new IllegalStateException("the projector refused a record", refused.get());
                }
                if (!projector.isRunning() && projector.failure() != null) {
                    throw new IllegalStateException("projector failed", projector.failure());
                }
                if (firstCommitAt == 0 && count > 0) {
                    firstCommitAt = System.nanoTime();
                    firstCommitCount = count;
                }
                sleepQuietly(2);
            }
        } finally {
            projector.close();
        }
        long end = System.nanoTime();
        double total = events / ((end - start) / 1e9);
        // all of it in the first batch (a small run): the rate from start is all there is
        double steady = events > firstCommitCount ? (events - firstCommitCount) / ((end - firstCommitAt) / 1e9) : total;
        System.out.printf(
                "projected %,d events in %,d ms from start (%,.0f events/s, including joining the "
                        + "consumer group); after the first batch: %,.0f events/s%n",
                events, (end - start) / 1_000_000, total, steady);
        return steady;
    }

    /** pgbench: 1,000-row multi-row INSERTs, one client, into a table of their own on the same server. */
    private static Optional<Double> pgbench(int port, int seconds, Path home) throws Exception {
        String pgbench = findPgbench();
        if (pgbench == null) {
            System.out.println("pgbench not found (install postgresql-client); baseline skipped");
            return Optional.empty();
        }
        String url = "postgresql://postgres@127.0.0.1:" + port + "/bench";
        // The same table and statement as ../shared/tools/pg-baseline.sh, so the figure compares with the
        // reference measurements of this machine: one 1,000-row multi-row INSERT per transaction.
        run(List.of(
                psql(pgbench),
                url,
                "-q",
                "-c",
                "CREATE TABLE IF NOT EXISTS ev_batch (id bigserial PRIMARY KEY,"
                        + " k bigint NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"));
        String payload = "y".repeat(200);
        StringBuilder script = new StringBuilder("\\set base random(1, 1000000000)\n");
        script.append("INSERT INTO ev_batch (k, payload) VALUES\n");
        for (int i = 0; i < 1000; i++) {
            script.append("(:base + ")
                    .append(i)
                    .append(", '")
                    .append(payload)
                    .append("')")
                    .append(i == 999 ? ";\n" : ",\n");
        }
        Path file = home.resolve("insert1000.sql");
        Files.writeString(file, script.toString(), StandardCharsets.UTF_8);
        String output = run(List.of(
                pgbench, "-n", "-c", "1", "-j", "1", "-T", String.valueOf(seconds), "-f", file.toString(), url));
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(output);
        if (!tps.find()) {
            System.out.println("could not read pgbench's output:\n" + output);
            return Optional.empty();
        }
        double rows = Double.parseDouble(tps.group(1)) * 1000;
        System.out.printf("pgbench: %.1f tps of 1,000-row INSERTs for %d s%n", rows / 1000, seconds);
        return Optional.of(rows);
    }

    /**
     * The COPY baseline: pgbench's rows (a {@code bigint} and a 200-byte text into a table with a
     * {@code bigserial} primary key, 1,000 rows and one commit per transaction, {@code synchronous_commit} on
     * as for pgbench), loaded with binary COPY through the JDBC driver, one connection, for {@code seconds}.
     */
    private static double copyBaseline(HikariDataSource ds, int seconds) throws Exception {
        String payload = "y".repeat(200);
        long rows = 0;
        try (var connection = ds.getConnection()) {
            try (var statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS ev_copy (id bigserial PRIMARY KEY,"
                        + " k bigint NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
            }
            connection.setAutoCommit(false);
            long base = System.nanoTime() % 1_000_000_000L;
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                BinaryCopy copy = new BinaryCopy(2, 1000);
                for (int i = 0; i < 1000; i++) {
                    copy.row().int8(base + rows + i).text(payload);
                }
                rows += copy.into(connection, "ev_copy", "k, payload");
                connection.commit();
            }
            double rate = rows / ((System.nanoTime() - start) / 1e9);
            System.out.printf("binary COPY: %,d rows in 1,000-row transactions for %d s%n", rows, seconds);
            return rate;
        }
    }

    private static String findPgbench() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "pgbench"))) {
                return Path.of(dir, "pgbench").toString();
            }
        }
        return null;
    }

    private static String psql(String pgbench) {
        return Path.of(pgbench).resolveSibling("psql").toString();
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    private static long publish(String servers, int events) throws Exception {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                servers,
                "acks",
                "all",
                "enable.idempotence",
                true,
                "linger.ms",
                20,
                "batch.size",
                262_144,
                "compression.type",
                "lz4");
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            sessions.add(UUID.randomUUID());
        }
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                config, new StringSerializer(), new CatalogSerializer())) {
            for (int i = 0; i < events; i++) {
                UUID session = sessions.get(i % sessions.size());
                producer.send(new ProducerRecord<>(
                        Topics.CHAT_SCREENED.name(),
                        session.toString(),
                        ChatMessageScreened.newBuilder()
                                .setEventId(UUID.randomUUID())
                                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                                .setSessionId(session)
                                .setMessageId(UUID.randomUUID())
                                .setUserId("bench-user-" + (i % 500))
                                .setText("bench message " + i + " about opening hours and prices, with some more words")
                                .setVerdict(app.donna.events.common.Verdict.newBuilder()
                                        .setDecision(app.donna.events.common.Decision.ALLOW)
                                        .build())
                                .setSubmittedEventId(UUID.randomUUID())
                                .build()));
            }
            producer.flush();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void createTopics(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            List<NewTopic> topics = new ArrayList<>();
            for (Topic t : List.of(Topics.CHAT_SCREENED, Topics.CHAT_REPLIES)) {
                topics.add(new NewTopic(t.name(), t.partitions(), (short) 1));
                topics.add(new NewTopic(t.deadLetterName(), t.partitions(), (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    static HikariDataSource dataSource(String url) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername("postgres");
        ds.setMaximumPoolSize(4);
        return ds;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
