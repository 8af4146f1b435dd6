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
        subcommands = {
            BenchCommand.Projector.class,
            BenchCommand.Autopilot.class,
            BenchCommand.Chat.class,
            BenchCommand.Voice.class,
            BenchCommand.VoiceFarEnd.class
        },
        description = {
            "Benchmarks of docs/performance.md, each on a broker and database of its own in a temporary folder."
        })
public final class BenchCommand {

    @Command(
            name = "autopilot",
            description = {
                "Mails decided per second by the email autopilot beside the projector's rate for the same mails, "
                        + "on the same broker and PostgreSQL, in one run."
            })
    static final class Autopilot implements Callable<Integer> {

        @Option(
                names = "--mails",
                paramLabel = "N",
                defaultValue = "20000",
                description = "mails published, then projected and decided (default: ${DEFAULT-VALUE})")
        int mails;

        @Option(
                names = "--users",
                paramLabel = "U",
                defaultValue = "50",
                description = "users the mails are spread over (default: ${DEFAULT-VALUE})")
        int users;

        @Override
        public Integer call() throws Exception {
            return AutopilotBench.run(mails, users);
        }
    }

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
                "POST-to-reply and POST-to-first-delta latency of the chat pipeline, with a stand-in model "
                        + "(instant, or paced with --model-first-token-ms), beside Kafka's own one-hop latency on the "
                        + "same broker; CPU time and bytes allocated per message over the measured window; whether "
                        + "the backlog grows. With --ingest-clients N: POST throughput beside an anonymous floor "
                        + "and a Kafka producer floor instead."
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
        // core busy for minutes, which is start-up, not the pipeline's cost or latency (Warmup).
        @Option(
                names = "--warmup-seconds",
                paramLabel = "W",
                defaultValue = "40",
                description = "the same load, unmeasured, before; longer until the JIT compiler settles "
                        + "(default: ${DEFAULT-VALUE})")
        int warmupSeconds;

        @Option(
                names = "--max-warmup-seconds",
                paramLabel = "W",
                defaultValue = "300",
                description = "the longest warm-up, the JIT compiler settled or not (default: ${DEFAULT-VALUE})")
        int maxWarmupSeconds;

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

        @Option(
                names = "--no-eager-commits",
                description = "the stream apps commit only every commit interval, not at once after a quiet "
                        + "spell (donna.kafka.eager-commits=false)")
        boolean noEagerCommits;

        @Option(names = "--trace-hops", description = "also show where the time goes, hop by hop")
        boolean traceHops;

        @Option(
                names = "--model-first-token-ms",
                paramLabel = "MS",
                defaultValue = "-1",
                showDefaultValue = Visibility.NEVER,
                description = "a paced stand-in model: its first token this long after the request "
                        + "(default: an instant model, three chunks at once)")
        long modelFirstTokenMs;

        @Option(
                names = "--model-tokens-per-second",
                paramLabel = "T",
                defaultValue = "50",
                description = "a paced model's tokens per second after the first (default: ${DEFAULT-VALUE})")
        double modelTokensPerSecond;

        @Option(
                names = "--model-tokens",
                paramLabel = "N",
                defaultValue = "50",
                description = "a paced model's tokens per answer (default: ${DEFAULT-VALUE})")
        int modelTokens;

        @Option(
                names = "--max-concurrent-calls",
                paramLabel = "N",
                defaultValue = "-1",
                showDefaultValue = Visibility.NEVER,
                description = "chat-processor's donna.chat.llm.max-concurrent-calls (default: its own)")
        int maxConcurrentCalls;

        @Option(
                names = "--ingest-clients",
                paramLabel = "C",
                defaultValue = "0",
                showDefaultValue = Visibility.NEVER,
                description = "measure POST /messages throughput at C clients (closed loop, pipeline running), "
                        + "beside the same POST without a token and a Kafka producer, instead of latency")
        int ingestClients;

        @Option(
                names = "--fragment-interval-ms",
                paramLabel = "MS",
                defaultValue = "-1",
                showDefaultValue = Visibility.NEVER,
                description = "chat-processor's donna.chat.fragment-interval: the least time between two "
                        + "delta records of one answer, 0 for one per fragment (default: its own)")
        int fragmentIntervalMs;

        @Override
        public Integer call() throws Exception {
            ChatBench.Model model = modelFirstTokenMs < 0
                    ? ChatBench.Model.INSTANT
                    : new ChatBench.Model(modelFirstTokenMs, modelTokensPerSecond, modelTokens);
            return ChatBench.run(new ChatBench.Settings(
                    rate,
                    seconds,
                    warmupSeconds,
                    maxWarmupSeconds,
                    sessions,
                    commitIntervalMs,
                    streamThreads,
                    traceHops,
                    model,
                    maxConcurrentCalls,
                    ingestClients,
                    fragmentIntervalMs,
                    !noEagerCommits));
        }
    }

    @Command(
            name = "voice",
            description = {
                "The voice relay's added latency per audio message (p50, p99) against a direct connection to the "
                        + "same stand-in Realtime model, and its heap per idle call with many calls open."
            })
    static final class Voice implements Callable<Integer> {

        @Option(
                names = "--round-trips",
                paramLabel = "N",
                defaultValue = "20000",
                description =
                        "audio round trips measured each way, after as many to warm up: fewer measure a JIT compiler "
                                + "still at work (default: ${DEFAULT-VALUE})")
        int roundTrips;

        @Option(
                names = "--sessions",
                paramLabel = "N",
                defaultValue = "1000",
                description = "idle calls open at once for the heap measurement (default: ${DEFAULT-VALUE})")
        int sessions;

        @Option(
                names = "--far-end",
                description = "run the callers and the model in a second JVM, so this one runs the relay only "
                        + "(latency only; the heap is measured without it)")
        boolean farEnd;

        @Override
        public Integer call() throws Exception {
            return VoiceBench.run(roundTrips, sessions, farEnd);
        }
    }

    @Command(
            name = "voice-far-end",
            hidden = true,
            description = "The callers and the model of `donna bench voice --far-end`, which starts it.")
    static final class VoiceFarEnd implements Callable<Integer> {

        @Option(names = "--round-trips", paramLabel = "N", required = true)
        int roundTrips;

        @Override
        public Integer call() throws Exception {
            return VoiceBench.farEnd(roundTrips);
        }
    }
}
