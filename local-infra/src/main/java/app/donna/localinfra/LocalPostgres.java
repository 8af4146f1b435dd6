package app.donna.localinfra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.ArchUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the PostgreSQL binaries published on Maven Central (zonky), as a
 * child process of this JVM.
 *
 * <p>{@code donna dev} keeps the data folder across restarts; tests use a throw-away folder. Databases
 * are created on demand so each test run can have a fresh one.
 *
 * <p>PostgreSQL runs in a session of its own, so it outlives a JVM killed with {@code kill -9}. A later
 * start on the same data folder stops such an orphan first; while the process that started the server
 * is still alive (it holds the lock file), the folder is refused instead.
 *
 * <p>Whoever starts a server stops it with {@link #close()}, after whatever uses it. It has no JVM
 * shutdown hook of its own: hooks run all at once, so one would stop the database under services that
 * are still stopping (on Ctrl-C of {@code donna dev}).
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
    /** zonky's lock file, locked by the JVM that runs the server for as long as it runs it. */
    private static final String LOCK_FILE = "epg-lock";
    /** Our note of which process holds the lock, for the message when the folder is refused. */
    private static final String OWNER_FILE = "owner.pid";

    private static final long ORPHAN_STOP_SECONDS = 30;
    /** Data folders whose server this JVM runs (a file lock cannot tell the same process it is held). */
    private static final Set<Path> RUNNING_HERE = ConcurrentHashMap.newKeySet();

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalPostgres(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /**
     * Starts PostgreSQL with its data in {@code dataDir} (kept), on {@code port} (0 picks a free one).
     * A server left running from {@code dataDir} by a process that is gone is stopped first.
     *
     * @throws DataFolderInUseException if a live process runs a server from {@code dataDir}
     */
    public static LocalPostgres start(Path dataDir, int port) {
        requireBinaries();
        Path folder = dataDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create PostgreSQL data folder " + folder, e);
        }
        if (!RUNNING_HERE.add(folder)) {
            throw new DataFolderInUseException(
                    folder, Optional.of(ProcessHandle.current().pid()));
        }
        try {
            stopOrphan(folder);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(folder)
                    .setCleanDataDirectory(false)
                    // zonky's hook would stop the server at JVM exit while its users still stop
                    .setRegisterShutdownHook(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on");
            if (port != 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            Files.writeString(
                    folder.resolve(OWNER_FILE),
                    Long.toString(ProcessHandle.current().pid()));
            log.info("PostgreSQL ready on 127.0.0.1:{} with data in {}", postgres.getPort(), folder);
            return new LocalPostgres(postgres, folder);
        } catch (IOException e) {
            RUNNING_HERE.remove(folder);
            throw new UncheckedIOException(
                    "cannot start embedded PostgreSQL in " + folder + ": " + e.getMessage()
                            + " (when running as root the binaries need user namespaces; or set DONNA_DB_URL to a server)",
                    e);
        } catch (RuntimeException e) {
            RUNNING_HERE.remove(folder);
            throw e;
        }
    }

    /**
     * Stops a PostgreSQL server that still runs from {@code dataDir} although the process that started
     * it is gone (e.g. {@code donna dev} killed with {@code kill -9}); does nothing when there is none.
     *
     * @throws DataFolderInUseException if a live process runs a server from {@code dataDir}
     */
    public static void stopOrphan(Path dataDir) {
        Path folder = dataDir.toAbsolutePath().normalize();
        requireNoLiveOwner(folder);
        Optional<Long> pid = postmasterPid(folder);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return; // a stale postmaster.pid, which PostgreSQL replaces itself
        }
        if (!isPostgresOf(process.get(), folder)) {
            log.info(
                    "postmaster.pid in {} names pid {}, which is not a PostgreSQL of this folder; leaving it",
                    folder,
                    pid.get());
            return;
        }
        log.warn(
                "PostgreSQL (pid {}) is still running from {} although the process that started it is gone "
                        + "(was donna dev killed?); stopping it",
                pid.get(),
                folder);
        fastShutdown(process.get());
        try {
            process.get().onExit().get(ORPHAN_STOP_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "PostgreSQL (pid " + pid.get() + ") left running from " + folder + " did not stop within "
                            + ORPHAN_STOP_SECONDS + " s; stop it by hand: kill -INT " + pid.get(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping PostgreSQL (pid " + pid.get() + ")", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        log.warn("Stopped the PostgreSQL (pid {}) left running from {}", pid.get(), folder);
    }

    /**
     * Checks that this build has PostgreSQL binaries for this machine (Linux with glibc and macOS, on
     * x86-64 and ARM64).
     *
     * @throws NoBinariesException if it has none
     */
    public static void requireBinaries() {
        requireBinaries(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** {@link #requireBinaries()} for the platform of the {@code os.name} and {@code os.arch} given. */
    public static void requireBinaries(String osName, String osArch) {
        String system = osName.startsWith("Windows")
                ? "windows"
                : osName.startsWith("Mac") || osName.startsWith("Darwin")
                        ? "darwin"
                        : osName.startsWith("Linux") ? "linux" : osName;
        List<String> architectures;
        try {
            String arch = ArchUtils.normalize(osArch);
            // zonky runs macOS's x86-64 binaries on Apple silicon too (they are universal binaries)
            architectures = system.equals("darwin") && arch.equals("arm_64") ? List.of(arch, "x86_64") : List.of(arch);
        } catch (IllegalStateException e) {
            throw new NoBinariesException(osName + " " + osArch);
        }
        // the resources zonky's DefaultPostgresBinaryResolver looks for
        boolean found = architectures.stream()
                .anyMatch(arch ->
                        LocalPostgres.class.getClassLoader().getResource("postgres-" + system + "-" + arch + ".txz")
                                != null);
        if (!found) {
            throw new NoBinariesException(osName + " " + osArch);
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
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
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

    /** Stops the server (fast shutdown: open sessions are ended); again does nothing. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            postgres.close();
            Files.deleteIfExists(dataDir.resolve(OWNER_FILE));
            log.info("PostgreSQL on 127.0.0.1:{} stopped", postgres.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            RUNNING_HERE.remove(dataDir);
        }
    }

    /** Refuses the folder while another process holds zonky's lock, i.e. runs a server from it. */
    private static void requireNoLiveOwner(Path folder) {
        Path lockFile = folder.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null) {
                throw new DataFolderInUseException(folder, owner(folder));
            }
        } catch (OverlappingFileLockException e) {
            throw new DataFolderInUseException(
                    folder, Optional.of(ProcessHandle.current().pid()));
        } catch (NoSuchFileException e) {
            // removed meanwhile: nobody holds it
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the lock file " + lockFile, e);
        }
    }

    private static Optional<Long> owner(Path folder) {
        try {
            return Optional.of(Long.parseLong(
                            Files.readString(folder.resolve(OWNER_FILE)).strip()))
                    .filter(pid ->
                            ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The first line of {@code postmaster.pid}: the process id of the server running from the folder. */
    private static Optional<Long> postmasterPid(Path folder) {
        try {
            List<String> lines = Files.readAllLines(folder.resolve("postmaster.pid"));
            return lines.isEmpty()
                    ? Optional.empty()
                    : Optional.of(Long.parseLong(lines.getFirst().strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // half-written or garbled: PostgreSQL judges it when it starts
        }
    }

    /** Whether {@code process} is a PostgreSQL server started with {@code -D folder}. */
    static boolean isPostgresOf(ProcessHandle process, Path folder) {
        ProcessHandle.Info info = process.info();
        Optional<String> command =
                info.command().map(c -> Path.of(c).getFileName().toString());
        if (command.isPresent() && !command.get().matches("postgres(\\.exe)?|postmaster")) {
            return false;
        }
        String[] args = info.arguments().orElse(new String[0]);
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-D") && sameFolder(Path.of(args[i + 1]), folder)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameFolder(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGINT, PostgreSQL's fast shutdown (what {@code pg_ctl stop -m fast} sends); else SIGTERM. */
    private static void fastShutdown(ProcessHandle process) {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            log.debug("no kill command; sending SIGTERM instead", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
    }

    /** This build has no PostgreSQL binaries for the machine it runs on. */
    public static final class NoBinariesException extends IllegalStateException {

        private final String platform;

        NoBinariesException(String platform) {
            super("there are no embedded PostgreSQL binaries for " + platform + " (only for Linux and macOS on "
                    + "x86-64 and ARM64); use a PostgreSQL server instead (donna dev: DONNA_DB_URL, tests: "
                    + "DONNA_TEST_DB_URL)");
            this.platform = platform;
        }

        /** The {@code os.name} and {@code os.arch} without binaries. */
        public String platform() {
            return platform;
        }
    }

    /** The data folder belongs to a server that a live process runs. */
    public static final class DataFolderInUseException extends IllegalStateException {

        private final transient Optional<Long> ownerPid;

        DataFolderInUseException(Path folder, Optional<Long> ownerPid) {
            super("the PostgreSQL data folder " + folder + " is in use by "
                    + ownerPid.map(pid -> pid == ProcessHandle.current().pid() ? "this process" : "process " + pid)
                            .orElse("another running process"));
            this.ownerPid = ownerPid;
        }

        /** The process that runs the server, when known. */
        public Optional<Long> ownerPid() {
            return ownerPid;
        }
    }
}
