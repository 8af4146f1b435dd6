package app.donna.testing;

import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * The real Kafka broker and PostgreSQL database that every integration test in one JVM shares. Started
 * on first use, stopped when the JVM exits.
 *
 * <p>Kafka: a KRaft broker inside this JVM; or, when {@code DONNA_TEST_KAFKA=testcontainers} and a
 * Docker engine answers, Testcontainers' Apache Kafka image. PostgreSQL: the server named by
 * {@code DONNA_TEST_DB_URL} (with {@code DONNA_TEST_DB_USER} and {@code DONNA_TEST_DB_PASSWORD}) when set,
 * otherwise an embedded server from the PostgreSQL binaries on Maven Central. Either way each JVM gets a
 * database of its own, created fresh.
 */
public final class SharedInfra {

    private static final Logger log = LoggerFactory.getLogger(SharedInfra.class);

    /** Connection details of the database a test run owns. */
    public record Database(String jdbcUrl, String username, String password) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, username, password);
        }
    }

    private static String bootstrapServers;
    private static LocalKafka kafka;
    private static Path postgresDir;
    private static Database database;
    private static java.util.function.Function<String, Database> databaseFactory;

    private SharedInfra() {}

    public static synchronized String kafkaBootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = startKafka();
        }
        return bootstrapServers;
    }

    public static synchronized Database database() {
        if (database == null) {
            database = startDatabase();
        }
        return database;
    }

    /**
     * Another fresh database on the same server, for a test whose writers must not meet the shared
     * database's (e.g. a second projector instance writing the same tables).
     */
    public static synchronized Database newDatabase(String purpose) {
        database();
        return databaseFactory.apply(purpose.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"));
    }

    private static String startKafka() {
        if ("testcontainers".equalsIgnoreCase(System.getenv("DONNA_TEST_KAFKA"))) {
            return ContainerKafka.start();
        }
        Path dir = tempDir("donna-test-kafka");
        kafka = LocalKafka.start(dir, 0);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            synchronized (SharedInfra.class) {
                                if (kafka != null) {
                                    kafka.close();
                                }
                            }
                            delete(dir);
                        },
                        "stop-test-kafka"));
        return kafka.bootstrapServers();
    }

    private static Database startDatabase() {
        String name = "donna_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
        String url = System.getenv("DONNA_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            String user = envOr("DONNA_TEST_DB_USER", "postgres");
            String password = envOr("DONNA_TEST_DB_PASSWORD", "");
            databaseFactory = suffix -> {
                String db = name + "_" + suffix;
                try (Connection c = DriverManager.getConnection(url, user, password);
                        Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + db);
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot create test database on " + url + ": " + e.getMessage(), e);
                }
                log.info("Tests use database {} on the server of DONNA_TEST_DB_URL", db);
                return new Database(withDatabase(url, db), user, password);
            };
        } else {
            postgresDir = tempDir("donna-test-pg");
            LocalPostgres postgres = LocalPostgres.start(postgresDir, 0);
            Path dir = postgresDir;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                postgres.close();
                                delete(dir);
                            },
                            "stop-test-postgres"));
            databaseFactory = suffix -> {
                String db = name + "_" + suffix;
                postgres.createDatabaseIfMissing(db);
                return new Database(postgres.jdbcUrl(db), "postgres", "");
            };
        }
        return databaseFactory.apply("main");
    }

    /**
     * Stops the shared broker until the returned outage is closed, which starts it again with its data, on
     * its address. Only for the in-JVM broker; tests using it should not run beside others in the JVM
     * that need the broker meanwhile (JUnit runs classes one at a time here).
     */
    public static synchronized Outage stopKafka() {
        kafkaBootstrapServers();
        if (kafka == null) {
            throw new org.opentest4j.TestAbortedException("the broker is not in this JVM (DONNA_TEST_KAFKA)");
        }
        kafka.close();
        LocalKafka stopped = kafka;
        kafka = null;
        return () -> {
            synchronized (SharedInfra.class) {
                kafka = stopped.restart();
            }
        };
    }

    /**
     * Freezes the embedded PostgreSQL (SIGSTOP to the server and its backends, as a hung or paused host
     * would look: connections open, nothing answers) until the returned outage is closed.
     */
    public static synchronized Outage pauseDatabase() {
        database();
        if (postgresDir == null) {
            throw new org.opentest4j.TestAbortedException("the database is not embedded (DONNA_TEST_DB_URL)");
        }
        String dir = postgresDir.toString();
        ProcessHandle server = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dir))
                .filter(p -> p.info().command().orElse("").endsWith("postgres"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL server running from " + dir));
        java.util.List<ProcessHandle> all = new java.util.ArrayList<>();
        all.add(server);
        server.descendants().forEach(all::add);
        signal("STOP", all);
        // A backend the server forked between listing its children and stopping it would still answer
        // (a test once saw a read succeed mid-freeze): stop late children until none are left.
        for (java.util.List<ProcessHandle> late = lateChildren(server, all);
                !late.isEmpty();
                late = lateChildren(server, all)) {
            signal("STOP", late);
            all.addAll(late);
        }
        return () -> signal("CONT", all);
    }

    private static java.util.List<ProcessHandle> lateChildren(
            ProcessHandle server, java.util.List<ProcessHandle> known) {
        return server.descendants().filter(p -> !known.contains(p)).toList();
    }

    /**
     * Makes a topic on the shared broker as a service would at start-up (with its {@code configs}, e.g. a
     * compacted one), unless it exists: for tests that publish before any service has started.
     */
    public static void ensureTopic(String name, int partitions, java.util.Map<String, String> configs) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", kafkaBootstrapServers()))) {
            admin.createTopics(java.util.List.of(
                            new org.apache.kafka.clients.admin.NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all()
                    .get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("could not make topic " + name, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A staged outage; closing it ends it. */
    @FunctionalInterface
    public interface Outage extends AutoCloseable {
        @Override
        void close();
    }

    private static void signal(String signal, java.util.List<ProcessHandle> processes) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("kill", "-" + signal));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        try {
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " exited " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the database in a {@code jdbc:postgresql://host:port/db?params} URL. */
    static String withDatabase(String url, String database) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        return (slash < 0 ? base : base.substring(0, slash)) + "/" + database + params;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    /**
     * A new folder for this test JVM's scratch data (a stream app's state, say), deleted when the JVM
     * exits: a test run must not leave its data behind (runs of the suite once left gigabytes in /tmp).
     */
    public static Path scratchDir(String prefix) {
        Path dir = tempDir(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "delete-" + prefix));
        return dir;
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix.toLowerCase(Locale.ROOT) + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try {
            FileSystemUtils.deleteRecursively(dir);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
