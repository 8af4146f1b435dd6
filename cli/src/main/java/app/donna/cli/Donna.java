package app.donna.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import app.donna.cli.bench.ChatBench;
import app.donna.cli.bench.ProjectorBench;
import app.donna.cli.dev.DevCommand;
import app.donna.cli.infra.InfraCommand;
import app.donna.cli.infra.IssuerCommand;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;

/** The {@code donna} command. */
public final class Donna {

    private Donna() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0].toLowerCase(Locale.ROOT);
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        int exit = switch (command) {
            case "dev" -> DevCommand.run(rest, System.getenv());
            case "topics" -> topics(System.out);
            case "infra" -> InfraCommand.run(rest, System.getenv());
            case "issuer" -> IssuerCommand.run(rest, System.getenv());
            case "bench" -> bench(rest);
            case "help", "-h", "--help" -> help(System.out, 0);
            default -> {
                System.err.println("donna: unknown command '" + command + "'");
                yield help(System.err, 2);
            }
        };
        if (exit != 0 || !List.of("dev", "infra", "issuer").contains(command)) {
            System.exit(exit);
        }
    }

    static int bench(String[] args) {
        String what = args.length == 0 ? "" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            return switch (what) {
                case "projector" -> ProjectorBench.run(rest);
                case "chat" -> ChatBench.run(rest);
                default -> {
                    System.err.println("usage: donna bench projector [--events N] [--pgbench-seconds S]\n"
                            + "       donna bench chat [--rate R] [--seconds S] [--sessions N] [--commit-interval-ms M]\n"
                            + "                        [--warmup-seconds W] [--stream-threads T] [--trace-hops]");
                    yield 2;
                }
            };
        } catch (Exception e) {
            System.err.println("donna bench: " + e.getMessage());
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

    static int help(PrintStream out, int exit) {
        out.println("""
                usage: donna <command>

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
                  help     show this

                Configuration is by environment variable; see README.md.""");
        return exit;
    }
}
