package app.donna.localinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the PostgreSQL binaries published on Maven Central (zonky), as a
 * child process of this JVM.
 *
 * <p>{@code donna dev} keeps the data folder across restarts; tests use a throw-away folder. Databases
 * are created on demand so each test run can have a fresh one.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

    private final EmbeddedPostgres postgres;

    private LocalPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL with its data in {@code dataDir} (kept), on {@code port} (0 picks a free one). */
    public static LocalPostgres start(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on");
            if (port != 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            log.info("PostgreSQL ready on 127.0.0.1:{} with data in {}", postgres.getPort(), dataDir);
            return new LocalPostgres(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + " (when running as root the binaries need user namespaces; or set DONNA_DB_URL to a server)", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of {@code database} on this server (user {@code postgres}, no password). */
    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl("postgres", database);
    }

    /** Creates {@code database} unless it exists. */
    public void createDatabaseIfMissing(String database) {
        if (!database.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + database);
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
