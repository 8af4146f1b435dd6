package app.donna.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL runs as a process of its own, in a session of its own. Killing the JVM that started it with
 * SIGKILL (as {@code kill -9} of {@code donna dev} does) leaves the server running from the data folder:
 * the next start on that folder must stop it and come up, and while the starting process still lives,
 * the folder is refused. On a normal exit, the server must serve until its owner stops it.
 */
class PostgresProcessTest {

    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    private final List<ProcessHandle> leftovers = new ArrayList<>();

    @AfterEach
    void stopLeftovers() {
        leftovers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
    }

    @Test
    void startStopsAServerOrphanedByAKilledJvmAndRefusesOneWhoseJvmLives(@TempDir Path dir) throws Exception {
        // given a server started on the folder by another JVM
        int port = LocalPorts.free();
        Process owner = startInAnotherJvm(dir, port).process();
        leftovers.add(owner.toHandle());

        // then, while that JVM lives, the folder is refused and its server left alone
        assertThatThrownBy(() -> LocalPostgres.start(dir, 0))
                .isInstanceOf(LocalPostgres.DataFolderInUseException.class)
                .hasMessageContaining("in use by process " + owner.pid())
                .extracting(e -> ((LocalPostgres.DataFolderInUseException) e).ownerPid())
                .isEqualTo(Optional.of(owner.pid()));
        long serverPid = Long.parseLong(
                Files.readAllLines(dir.resolve("postmaster.pid")).getFirst().strip());
        ProcessHandle server = ProcessHandle.of(serverPid).orElseThrow();
        leftovers.add(server);
        assertThat(server.isAlive()).isTrue();

        // when that JVM is killed with SIGKILL, its server lives on as an orphan
        owner.destroyForcibly();
        assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(server.isAlive()).as("the orphan").isTrue();

        // then a start on the same folder and port stops the orphan and comes up
        try (LocalPostgres pg = LocalPostgres.start(dir, port);
                Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid() > 0")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
            assertThat(pg.port()).isEqualTo(port);
            assertThat(server.isAlive()).as("the orphan").isFalse();
        }
    }

    @Test
    void theServerServesTheOwnersShutdownHookUntilTheOwnerStopsIt(@TempDir Path dir) throws Exception {
        // when a JVM that started a server exits, with a shutdown hook that still needs the server
        OtherJvm owner = startInAnotherJvm(dir, 0, "exit");
        leftovers.add(owner.process().toHandle());
        String output = owner.laterOutput().get(60, TimeUnit.SECONDS);

        // then nothing else stopped the server under that hook, and the hook's close() stopped it
        assertThat(owner.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output)
                .contains(PostgresInAnotherProcess.STILL_RUNNING)
                .doesNotContain(PostgresInAnotherProcess.STOPPED_UNDER_US);
        assertThat(dir.resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void aSecondStartOnAFolderThisJvmRunsIsRefused(@TempDir Path dir) {
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            assertThatThrownBy(() -> LocalPostgres.start(dir, 0))
                    .isInstanceOf(LocalPostgres.DataFolderInUseException.class)
                    .hasMessageContaining("in use by this process");
        }
    }

    /** A JVM running {@link PostgresInAnotherProcess}, and what it prints after {@code READY}. */
    private record OtherJvm(Process process, CompletableFuture<String> laterOutput) {}

    /** Starts PostgreSQL in another JVM and returns once it is up. */
    private static OtherJvm startInAnotherJvm(Path dir, int port, String... more) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                PostgresInAnotherProcess.class.getName(),
                dir.toString(),
                Integer.toString(port)));
        command.addAll(List.of(more));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            if (line.contains(PostgresInAnotherProcess.READY)) {
                                return true;
                            }
                        }
                        return false;
                    } catch (IOException e) {
                        return false;
                    }
                },
                READERS);
        if (!ready.get(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    "PostgreSQL did not start in the other JVM (exit " + process.waitFor() + ")");
        }
        // read on, so it never blocks on a full pipe
        return new OtherJvm(
                process, CompletableFuture.supplyAsync(() -> out.lines().collect(Collectors.joining("\n")), READERS));
    }
}
