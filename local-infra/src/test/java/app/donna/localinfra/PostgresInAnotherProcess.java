package app.donna.localinfra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@link LocalPostgres} in a JVM of its own, as {@code donna dev} does. Prints {@value #READY} once
 * the server is up. Then either waits until its standard input closes (a test kills it with SIGKILL to
 * leave the server orphaned), or, with a third argument {@code exit}, exits at once with a shutdown hook
 * that, like {@code donna dev}'s, still needs the server: it prints {@value #STOPPED_UNDER_US} if the
 * server stops by itself within {@value #HOOK_WAIT_SECONDS} s, else {@value #STILL_RUNNING}, then stops it.
 */
final class PostgresInAnotherProcess {

    static final String READY = "postgres-in-another-process: ready";
    static final String STILL_RUNNING = "postgres-in-another-process: still running in my shutdown hook";
    static final String STOPPED_UNDER_US = "postgres-in-another-process: stopped before my shutdown hook stopped it";
    static final int HOOK_WAIT_SECONDS = 5;

    private PostgresInAnotherProcess() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        LocalPostgres postgres = LocalPostgres.start(dir, Integer.parseInt(args[1]));
        System.out.println(READY);
        System.out.flush();
        if (args.length > 2 && args[2].equals("exit")) {
            long pid = Long.parseLong(
                    Files.readAllLines(dir.resolve("postmaster.pid")).getFirst().strip());
            ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.onExit().get(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
                    System.out.println(STOPPED_UNDER_US);
                } catch (TimeoutException e) {
                    System.out.println(STILL_RUNNING);
                } catch (Exception e) {
                    System.out.println(e);
                }
                postgres.close();
            }));
            System.exit(0);
        }
        while (System.in.read() >= 0) {
            // the test ends this process with SIGKILL; it never stops the server
        }
    }
}
