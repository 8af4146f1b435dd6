package app.donna.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import app.donna.cli.bench.ChatBench;
import app.donna.cli.bench.ProjectorBench;
import app.donna.cli.dev.DevCommand;
import app.donna.cli.infra.InfraCommand;
import app.donna.cli.infra.IssuerCommand;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;

/** The {@code donna} command. */
public final class Donna {

    private static final Set<String> HELP = Set.of("help", "-h", "--help");

    private Donna() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0].toLowerCase(Locale.ROOT);
        int exit = run(args, System.getenv(), System.out, System.err);
        // dev, infra and issuer return once their shutdown hook has stopped them: exiting then would wait for it
        if (exit != 0 || !List.of("dev", "infra", "issuer").contains(command)) {
            System.exit(exit);
        }
    }

    /** Runs {@code donna <args>} and returns its exit code; {@code donna dev} returns when it is stopped. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "help" : args[0].toLowerCase(Locale.ROOT);
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        if (Arrays.stream(rest).anyMatch(HELP::contains)) {
            return commandHelp(command, out, err);
        }
        return switch (command) {
            case "dev" -> {
                if (rest.length > 0) {
                    err.println("donna dev: unknown argument '" + rest[0] + "'");
                    err.print(DEV_USAGE);
                    yield 2;
                }
                yield DevCommand.run(rest, env);
            }
            case "topics" -> topics(out);
            case "infra" -> InfraCommand.run(rest, env);
            case "issuer" -> IssuerCommand.run(rest, env);
            case "bench" -> bench(rest, err);
            case "--version", "version" -> {
                out.println("donna " + version());
                yield 0;
            }
            case "help", "-h", "--help" -> rest.length == 0 ? help(out, 0) : commandHelp(rest[0], out, err);
            default -> {
                err.println("donna: unknown command '" + command + "'");
                yield help(err, 2);
            }
        };
    }

    /** The version this build was made from. */
    static String version() {
        try (InputStream in = Donna.class.getResourceAsStream("/donna-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int bench(String[] args, PrintStream err) {
        String what = args.length == 0 ? "" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            return switch (what) {
                case "projector" -> ProjectorBench.run(rest);
                case "chat" -> ChatBench.run(rest);
                default -> {
                    err.print(BENCH_USAGE);
                    yield 2;
                }
            };
        } catch (Exception e) {
            err.println("donna bench: " + e.getMessage());
            return 1;
        }
    }

    static int topics(PrintStream out) {
        out.printf("%-28s %-18s %4s %-9s %-8s %s%n", "TOPIC", "KEY", "PART", "RETENTION", "CLEANUP", "EVENTS");
        for (Topic t : Topics.ALL) {
            out.printf("%-28s %-18s %4d %-9s %-8s %s%n", t.name(), t.key(), t.partitions(),
                    t.retention().map(d -> d.toDays() + "d").orElse("forever"), t.cleanupPolicy().config(),
                    String.join(", ", t.events().stream().map(Class::getSimpleName).toList()));
        }
        out.println("Each topic T also has T" + Topic.DEAD_LETTER_SUFFIX + " for records its consumers could not process.");
        return 0;
    }

    /** The help of one command; nothing is started. */
    static int commandHelp(String command, PrintStream out, PrintStream err) {
        switch (command) {
            case "dev" -> out.print(DEV_USAGE);
            case "topics" -> out.print(TOPICS_USAGE);
            case "infra" -> out.println(InfraCommand.USAGE);
            case "issuer" -> out.println(IssuerCommand.USAGE);
            case "bench" -> out.print(BENCH_USAGE);
            case "help", "-h", "--help" -> help(out, 0);
            case "--version", "version" -> out.println("usage: donna --version\n\nPrints the version of donna.");
            default -> {
                err.println("donna: unknown command '" + command + "'");
                return help(err, 2);
            }
        }
        return 0;
    }

    static int help(PrintStream out, int exit) {
        out.println("""
                usage: donna <command> [--help]

                  dev      run the whole system in this process: an embedded Kafka broker, PostgreSQL
                           (embedded unless DONNA_DB_URL is set), every service and a dev token issuer
                  infra    only a Kafka broker and PostgreSQL, for services run as their own processes
                  issuer   a stand-alone OpenID issuer (discovery, keys, /token?sub=) for those services
                  topics   list the topic catalog
                  bench projector [--events N]
                           projector throughput (topic to committed rows) beside pgbench's
                           1,000-row INSERT rate on the same PostgreSQL
                  bench chat [--rate R] [--seconds S] [--commit-interval-ms M] [--trace-hops]
                           POST-to-reply latency of the chat pipeline beside Kafka's own one-hop latency
                  help     show this; 'donna <command> --help' shows a command's
                  --version
                           print the version

                Configuration is by environment variable; see README.md.""");
        return exit;
    }

    private static final String DEV_USAGE = """
            usage: donna dev

            Runs the whole system in this process until Ctrl-C: an embedded Kafka broker and PostgreSQL,
            every service on its own port, and a dev token issuer on ingress-api. Prints where everything is.

            Environment (all optional; README.md has the full list):
              DONNA_HOME                  data of the embedded broker and database (.donna), kept across runs
              DONNA_KAFKA_PORT            port of the embedded broker (9092)
              DONNA_PG_PORT               port of the embedded PostgreSQL (5433)
              DONNA_<SERVICE>_PORT        HTTP port of a service, e.g. DONNA_INGRESS_API_PORT (8080)
              DONNA_KAFKA_BOOTSTRAP       a Kafka cluster to use instead of the embedded broker
              DONNA_DB_URL                a PostgreSQL database to use instead of the embedded server,
                                          with DONNA_DB_USER and DONNA_DB_PASSWORD (donna / donna)
              DONNA_JWT_ISSUER_URI        an issuer whose tokens to accept instead of the dev token issuer's
              DONNA_JWT_JWK_SET_URI       (either or both; /dev/token is then off), with
              DONNA_JWT_AUDIENCES         the accepted audiences (donna-api)
            """;

    private static final String TOPICS_USAGE = """
            usage: donna topics

            Lists the topic catalog: each topic's key, partitions, retention, clean-up policy and events.
            """;

    private static final String BENCH_USAGE = """
            usage: donna bench projector [--events N] [--pgbench-seconds S]
                   donna bench chat [--rate R] [--seconds S] [--sessions N] [--commit-interval-ms M]
                                    [--warmup-seconds W] [--stream-threads T] [--trace-hops]

            Benchmarks of docs/performance.md, each on a broker and database of its own in a temporary folder.
            """;
}
