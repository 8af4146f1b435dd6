package app.donna.cli.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/**
 * {@code donna bench projector} and {@code donna bench chat}: the options of the benchmarks of
 * docs/performance.md, handed to {@link ProjectorBench} and {@link ChatBench}. {@code donna bench} alone
 * is a usage error: it has nothing to run.
 */
@Command(
        name = "bench",
        subcommands = {BenchCommand.Projector.class, BenchCommand.Chat.class},
        description = {
            "Benchmarks of docs/performance.md, each on a broker and database of its own in a temporary folder."
        })
public final class BenchCommand {

    @Command(
            name = "projector",
            description = {
                "Projector throughput (topic to committed rows) beside pgbench's 1,000-row INSERT rate and a binary "
                        + "COPY rate on the same PostgreSQL. Needs pgbench on the PATH for its baseline."
            })
    static final class Projector implements Callable<Integer> {

        @Option(
                names = "--events",
                paramLabel = "N",
                defaultValue = "200000",
                description = "events published, then projected (default: ${DEFAULT-VALUE})")
        int events;

        @Option(
                names = "--pgbench-seconds",
                paramLabel = "S",
                defaultValue = "10",
                description = "how long pgbench runs (default: ${DEFAULT-VALUE})")
        int pgbenchSeconds;

        @Override
        public Integer call() throws Exception {
            return ProjectorBench.run(events, pgbenchSeconds);
        }
    }

    @Command(
            name = "chat",
            description = {
                "POST-to-reply latency of the chat pipeline, with an instantly answering stand-in model, beside "
                        + "Kafka's own one-hop latency on the same broker."
            })
    static final class Chat implements Callable<Integer> {

        @Option(
                names = "--rate",
                paramLabel = "R",
                defaultValue = "200",
                description = "messages per second (default: ${DEFAULT-VALUE})")
        int rate;

        @Option(
                names = "--seconds",
                paramLabel = "S",
                defaultValue = "30",
                description = "how long the measured part lasts (default: ${DEFAULT-VALUE})")
        int seconds;

        // One JVM runs the broker, PostgreSQL's client side and five services: the JIT compiler keeps a
        // core busy for the first half minute or so, which is start-up, not the pipeline's latency.
        @Option(
                names = "--warmup-seconds",
                paramLabel = "W",
                defaultValue = "40",
                description = "the same load, unmeasured, before (default: ${DEFAULT-VALUE})")
        int warmupSeconds;

        @Option(
                names = "--sessions",
                paramLabel = "N",
                defaultValue = "100",
                description = "chat sessions the messages are spread over (default: ${DEFAULT-VALUE})")
        int sessions;

        @Option(
                names = "--commit-interval-ms",
                paramLabel = "M",
                defaultValue = "-1",
                showDefaultValue = Visibility.NEVER,
                description = "the services' streams commit interval (default: their own)")
        int commitIntervalMs;

        @Option(
                names = "--stream-threads",
                paramLabel = "T",
                defaultValue = "-1",
                showDefaultValue = Visibility.NEVER,
                description = "stream threads of abuse-detector and of chat-processor (default: theirs)")
        int streamThreads;

        @Option(names = "--trace-hops", description = "also show where the time goes, hop by hop")
        boolean traceHops;

        @Override
        public Integer call() throws Exception {
            return ChatBench.run(new ChatBench.Settings(
                    rate, seconds, warmupSeconds, sessions, commitIntervalMs, streamThreads, traceHops));
        }
    }
}
