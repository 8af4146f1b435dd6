package app.donna.testing;

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

import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static Database database;
    private static java.util.function.Function<String, Database> databaseFactory;

    private SharedInfra() {
    }

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
        LocalKafka kafka = LocalKafka.start(tempDir("donna-test-kafka"), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "stop-test-kafka"));
        return kafka.bootstrapServers();
    }

    private static Database startDatabase() {
        String name = "donna_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
        String url = System.getenv("DONNA_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            String user = envOr("DONNA_TEST_DB_USER", "postgres");
            String password = envOr("DONNA_TEST_DB_PASSWORD", "");
            databaseFactory = suffix -> {
                String db = name + "_" + suffix;
                try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + db);
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot create test database on " + url + ": " + e.getMessage(), e);
                }
                log.info("Tests use database {} on the server of DONNA_TEST_DB_URL", db);
                return new Database(withDatabase(url, db), user, password);
            };
        } else {
            LocalPostgres postgres = LocalPostgres.start(tempDir("donna-test-pg"), 0);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-test-postgres"));
            databaseFactory = suffix -> {
                String db = name + "_" + suffix;
                postgres.createDatabaseIfMissing(db);
                return new Database(postgres.jdbcUrl(db), "postgres", "");
            };
        }
        return databaseFactory.apply("main");
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

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix.toLowerCase(Locale.ROOT) + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
