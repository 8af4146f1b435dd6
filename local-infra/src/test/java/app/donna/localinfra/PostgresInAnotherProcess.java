package app.donna.localinfra;

import java.nio.file.Path;

/**
 * Runs {@link LocalPostgres} in a JVM of its own, as {@code donna dev} does, so a test can kill that JVM
 * with SIGKILL and leave the server orphaned. Prints {@value #READY} once the server is up, then waits
 * until its standard input closes.
 */
final class PostgresInAnotherProcess {

    static final String READY = "postgres-in-another-process: ready";

    private PostgresInAnotherProcess() {
    }

    public static void main(String[] args) throws Exception {
        LocalPostgres.start(Path.of(args[0]), Integer.parseInt(args[1]));
        System.out.println(READY);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the test ends this process with SIGKILL; it never stops the server
        }
    }
}
