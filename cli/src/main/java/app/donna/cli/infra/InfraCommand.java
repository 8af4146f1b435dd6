package app.donna.cli.infra;

import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/**
 * {@code donna infra}: only the infrastructure, a Kafka broker and PostgreSQL, in this process, for
 * services run as processes of their own ({@code java -jar <module>-exec.jar}) the way production runs
 * them against a managed Kafka and database. Prints the environment those services need, then waits for
 * Ctrl-C. Data is kept under {@code DONNA_HOME} ({@code .donna-infra}).
 */
@Command(
        name = "infra",
        description = {
            "Runs a Kafka broker (DONNA_KAFKA_PORT, 9092) and PostgreSQL (DONNA_PG_PORT, 5433) in this process, data "
                    + "under DONNA_HOME (.donna-infra), until Ctrl-C; prints the DONNA_KAFKA_BOOTSTRAP and DONNA_DB_* "
                    + "settings for services started with java -jar."
        })
public final class InfraCommand implements Callable<Integer> {

    public static final String DATABASE = "donna";

    private final Map<String, String> env;

    /** {@code donna infra} configured by {@code env}, the process's environment. */
    public InfraCommand(Map<String, String> env) {
        this.env = env;
    }

    /** Runs until stopped; returns once the shutdown hook has stopped everything. */
    @Override
    public Integer call() {
        return run(env);
    }

    public static int run(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("DONNA_HOME", ".donna-infra")).toAbsolutePath();
        int kafkaPort = Integer.parseInt(env.getOrDefault("DONNA_KAFKA_PORT", "9092"));
        int pgPort = Integer.parseInt(env.getOrDefault("DONNA_PG_PORT", "5433"));
        LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), kafkaPort);
        LocalPostgres postgres = LocalPostgres.start(home.resolve("postgres"), pgPort);
        postgres.createDatabaseIfMissing(DATABASE);
        CountDownLatch stopped = onShutdown("stop-infra", () -> {
            postgres.close();
            kafka.close();
        });
        System.out.printf("""
                Donna infra is up. Services started on their own need:
                  DONNA_KAFKA_BOOTSTRAP=%s
                  DONNA_DB_URL=%s
                  DONNA_DB_USER=postgres
                  DONNA_DB_PASSWORD=
                Ctrl-C stops it.%n""", kafka.bootstrapServers(), postgres.jdbcUrl(DATABASE));
        System.out.flush();
        return awaitShutdown(stopped);
    }

    /** Runs {@code stop} when the JVM is told to stop (Ctrl-C, SIGTERM); the latch opens once it has. */
    static CountDownLatch onShutdown(String name, Runnable stop) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop.run();
                            stopped.countDown();
                        },
                        name));
        return stopped;
    }

    /** Waits until the shutdown hook of {@link #onShutdown} has run; 0, the command's exit code. */
    static int awaitShutdown(CountDownLatch stopped) {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
