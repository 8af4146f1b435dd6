package app.donna.cli.bench;

import app.donna.cli.Donna;
import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInRealtime;
import app.donna.platform.security.AnonymousSessionTokens;
import app.donna.voice.VoiceRelayApplication;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * {@code donna bench voice}: what the voice relay adds to a call, against a direct connection to the same
 * stand-in Realtime model in the same run. Latency: one audio chunk at a time, answered at once by the
 * stand-in's echo, timed round trip through the relay and direct, in alternating rounds so both see the
 * same machine; the relay's share is the difference of the percentiles. Memory: the heap after a full
 * collection with {@code sessions} idle calls open through the relay, less the same with the same number
 * open directly (which the relay's calls also cost: the callers' sockets, the stand-in's sessions).
 */
public final class VoiceBench {

    private static final String KEY = "sk-bench-" + UUID.randomUUID();
    private static final String SECRET = "bench-visitor-secret-of-32-bytes-or-more";
    /** 20 ms of 24 kHz 16-bit mono audio, as base64: the size of a browser's usual chunk. */
    private static final String CHUNK = Base64.getEncoder().encodeToString(new byte[960]);

    private VoiceBench() {}

    /**
     * @param farEnd run the callers and the model in a second JVM, so the relay's process has the relay
     *               only (and the heap is not measured: the model's side of each call is elsewhere)
     */
    public static int run(int roundTrips, int sessions, boolean farEnd) throws Exception {
        if (farEnd) {
            return runWithFarEnd(roundTrips);
        }
        Path home = Files.createTempDirectory("donna-bench-voice-");
        System.out.printf(
                "donna bench voice: %d audio round trips each way (after as many to warm up), heap of %d idle calls%n",
                roundTrips, sessions);
        HttpClient callers = HttpClient.newHttpClient();
        int relayPort = LocalPorts.free();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), LocalPorts.free());
                StandInRealtime model = new StandInRealtime(KEY).echo(true)) {
            ConfigurableApplicationContext relay = relay(kafka, relayPort, model.baseUrl(), KEY);
            try {
                URI direct = URI.create(model.realtimeUrl("gpt-realtime"));
                URI relayed = URI.create("ws://127.0.0.1:" + relayPort + "/v1/realtime?model=gpt-realtime");
                AnonymousSessionTokens visitors =
                        new AnonymousSessionTokens(SECRET, Duration.ofHours(1), Clock.systemUTC());

                double[][] times = roundTrips(
                        callers,
                        direct,
                        relayed,
                        "Bearer " + visitors.mint(UUID.randomUUID(), "default"),
                        roundTrips,
                        () -> {});
                double[] d = times[0];
                double[] r = times[1];

                System.out.printf("round trips done; opening %d idle calls directly%n", sessions);
                long base = usedHeapAfterGc();
                // each direct caller sets its session, as the relay does for each relayed call: the model's side
                // of both then holds the same
                List<Caller> open = openIdle(callers, direct, sessions, i -> "Bearer " + KEY, true);
                long withDirect = usedHeapAfterGc();
                open.forEach(Caller::close);
                Thread.sleep(2_000);
                System.out.printf("opening %d idle calls through the relay%n", sessions);
                long baseAgain = usedHeapAfterGc();
                open = openIdle(
                        callers,
                        relayed,
                        sessions,
                        i -> "Bearer " + visitors.mint(UUID.randomUUID(), "default"),
                        false);
                long withRelay = usedHeapAfterGc();
                open.forEach(Caller::close);
                double directPerSession = (withDirect - base) / (double) sessions;
                double relayPerSession = (withRelay - baseAgain) / (double) sessions;

                printLatency(d, r);
                System.out.printf(
                        "heap per idle call: %.1f KB direct (callers and the model's side), %.1f KB through the relay; "
                                + "the relay's share %.1f KB (goal: < 100 KB) at %d calls%n",
                        directPerSession / 1024,
                        relayPerSession / 1024,
                        (relayPerSession - directPerSession) / 1024,
                        sessions);
                return 0;
            } finally {
                relay.close();
            }
        } finally {
            FileSystemUtils.deleteRecursively(home);
        }
    }

    /**
     * Alternating rounds, direct and through the relay, after as many to warm up.
     *
     * @return the direct and the relayed round trips' p50 and p99, in milliseconds
     */
    private static double[][] roundTrips(
            HttpClient callers, URI direct, URI relayed, String relayAuthorization, int roundTrips, Runnable warmedUp)
            throws Exception {
        Caller viaModel = Caller.open(callers, direct, "Bearer " + KEY);
        Caller viaRelay = Caller.open(callers, relayed, relayAuthorization);
        viaModel.skipUntil("session.created");
        viaRelay.skipUntil("session.updated"); // the session the relay pinned
        long[] directTimes = new long[roundTrips];
        long[] relayTimes = new long[roundTrips];
        for (int i = 0; i < roundTrips; i++) {
            viaModel.roundTrip();
            viaRelay.roundTrip();
        }
        warmedUp.run();
        for (int i = 0; i < roundTrips; i++) {
            directTimes[i] = viaModel.roundTrip();
            relayTimes[i] = viaRelay.roundTrip();
        }
        viaModel.close();
        viaRelay.close();
        return new double[][] {percentiles(directTimes), percentiles(relayTimes)};
    }

    /**
     * The latency half with the callers and the model in another JVM ({@link #farEnd}): this process runs
     * the broker and the relay only. They talk over the far end's standard input and output: it names its
     * model's URL, is given the relay's and a caller's token, and answers with the percentiles.
     */
    private static int runWithFarEnd(int roundTrips) throws Exception {
        Path home = Files.createTempDirectory("donna-bench-voice-");
        System.out.printf(
                "donna bench voice --far-end: %d audio round trips each way (after as many to warm up); the callers "
                        + "and the model in a second JVM%n",
                roundTrips);
        int relayPort = LocalPorts.free();
        Process far = new ProcessBuilder(sameProgram("bench", "voice-far-end", "--round-trips=" + roundTrips))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), LocalPorts.free());
                var fromFar = new BufferedReader(new InputStreamReader(far.getInputStream(), StandardCharsets.UTF_8));
                var toFar = new PrintWriter(far.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String[] model = expect(fromFar, "MODEL ").split(" ");
            ConfigurableApplicationContext relay = relay(kafka, relayPort, model[0], model[1]);
            try {
                AnonymousSessionTokens visitors =
                        new AnonymousSessionTokens(SECRET, Duration.ofHours(1), Clock.systemUTC());
                var cpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                toFar.println("RELAY ws://127.0.0.1:" + relayPort + "/v1/realtime?model=gpt-realtime Bearer "
                        + visitors.mint(UUID.randomUUID(), "default"));
                expect(fromFar, "WARM");
                long cpuBefore = cpu.getProcessCpuTime();
                String[] p = expect(fromFar, "TIMES ").split(" ");
                long cpuNanos = cpu.getProcessCpuTime() - cpuBefore;
                double[] d = {Double.parseDouble(p[0]), Double.parseDouble(p[1])};
                double[] r = {Double.parseDouble(p[2]), Double.parseDouble(p[3])};
                printLatency(d, r);
                // everything this process did in the measured rounds: the broker and the relay (idle during
                // the direct rounds)
                System.out.printf(
                        "CPU of the relay's process: %.1f µs per relayed round trip (two messages), over %d%n",
                        cpuNanos / 1e3 / roundTrips, roundTrips);
                return far.waitFor(30, TimeUnit.SECONDS) ? far.exitValue() : 1;
            } finally {
                relay.close();
            }
        } finally {
            far.destroyForcibly();
            FileSystemUtils.deleteRecursively(home);
        }
    }

    /**
     * {@code donna bench voice-far-end}: the callers and the stand-in model of {@link #runWithFarEnd}, in
     * the second JVM.
     */
    public static int farEnd(int roundTrips) throws Exception {
        try (StandInRealtime model = new StandInRealtime(KEY).echo(true);
                var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            System.out.println("MODEL " + model.baseUrl() + " " + KEY);
            System.out.flush();
            String[] relay = expect(in, "RELAY ").split(" ", 2);
            double[][] times = roundTrips(
                    HttpClient.newHttpClient(),
                    URI.create(model.realtimeUrl("gpt-realtime")),
                    URI.create(relay[0]),
                    relay[1],
                    roundTrips,
                    () -> {
                        System.out.println("WARM");
                        System.out.flush();
                    });
            System.out.printf(
                    Locale.ROOT, "TIMES %.6f %.6f %.6f %.6f%n", times[0][0], times[0][1], times[1][0], times[1][1]);
            System.out.flush();
            return 0;
        }
    }

    /** The rest of the first line that starts with {@code prefix}; other lines are passed on to the output. */
    private static String expect(BufferedReader lines, String prefix) throws IOException {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).strip();
            }
            System.out.println("  | " + line);
        }
        throw new IllegalStateException("the other end stopped before saying " + prefix.strip());
    }

    /**
     * This program again, with {@code args}: the same Java and JVM options, the same jar (or class path, when
     * not run from the jar).
     */
    private static List<String> sameProgram(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        String classPath = System.getProperty("java.class.path");
        if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            command.addAll(List.of("-jar", classPath));
        } else {
            command.addAll(List.of("-cp", classPath, Donna.class.getName()));
        }
        command.addAll(List.of(args));
        return command;
    }

    private static ConfigurableApplicationContext relay(LocalKafka kafka, int port, String modelUrl, String key) {
        return VoiceRelayApplication.application()
                .run(
                        "--server.port=" + port,
                        "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                        "--logging.level.root=WARN",
                        "--donna.security.anonymous.secret=" + SECRET,
                        "--donna.rate-limit.enabled=false",
                        "--donna.voice.api-key=" + key,
                        "--donna.voice.base-url=" + modelUrl,
                        "--donna.voice.relay.messages-per-second=100000",
                        "--donna.voice.relay.idle-timeout=1h",
                        "--spring.main.banner-mode=off");
    }

    /** The result's latency lines: p50 and p99 of each way, in milliseconds, and their difference. */
    private static void printLatency(double[] direct, double[] relayed) {
        System.out.println();
        System.out.println("== result ==");
        System.out.printf("direct round trip:  p50 %.3f ms, p99 %.3f ms%n", direct[0], direct[1]);
        System.out.printf("relayed round trip: p50 %.3f ms, p99 %.3f ms%n", relayed[0], relayed[1]);
        System.out.printf(
                "added by the relay: p50 %.3f ms, p99 %.3f ms (goal: p99 < 1 ms)%n",
                relayed[0] - direct[0], relayed[1] - direct[1]);
    }

    private static List<Caller> openIdle(
            HttpClient callers,
            URI uri,
            int sessions,
            java.util.function.IntFunction<String> authorization,
            boolean setSession)
            throws Exception {
        List<CompletableFuture<Caller>> opening = new ArrayList<>();
        List<Caller> open = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            CompletableFuture<Caller> caller = Caller.openAsync(callers, uri, authorization.apply(i));
            if (setSession) {
                caller = caller.thenCompose(c -> c.socket
                        .sendText("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\"}}", true)
                        .thenApply(sent -> c));
            }
            opening.add(caller);
            if (opening.size() == 50) { // a few at a time: the relay opens the model's side of each
                for (var c : opening) {
                    open.add(c.get(30, TimeUnit.SECONDS));
                }
                opening.clear();
            }
        }
        for (var c : opening) {
            open.add(c.get(30, TimeUnit.SECONDS));
        }
        Thread.sleep(1_000);
        return open;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** p50 and p99 in milliseconds. */
    static double[] percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new double[] {
            sorted[(int) (sorted.length * 0.50)] / 1e6,
            sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6
        };
    }

    /** A caller's WebSocket: sends a chunk of audio and waits for the echo; ignores everything else. */
    private static final class Caller implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile boolean discard = true;
        private WebSocket socket;

        static Caller open(HttpClient client, URI uri, String authorization) throws Exception {
            Caller caller = new Caller();
            caller.discard = false; // before the handshake: the greeting may come at once
            caller.socket = client.newWebSocketBuilder()
                    .header("Authorization", authorization)
                    .buildAsync(uri, caller)
                    .get(30, TimeUnit.SECONDS);
            return caller;
        }

        static CompletableFuture<Caller> openAsync(HttpClient client, URI uri, String authorization) {
            Caller caller = new Caller();
            return client.newWebSocketBuilder()
                    .header("Authorization", authorization)
                    .buildAsync(uri, caller)
                    .thenApply(socket -> {
                        caller.socket = socket;
                        return caller;
                    });
        }

        void skipUntil(String type) throws InterruptedException {
            for (String event = received.poll(30, TimeUnit.SECONDS); ; event = received.poll(30, TimeUnit.SECONDS)) {
                if (event == null) {
                    throw new IllegalStateException("no " + type + " from " + socket);
                }
                if (event.contains("\"" + type + "\"")) {
                    return;
                }
            }
        }

        long roundTrip() throws Exception {
            long start = System.nanoTime();
            socket.sendText("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + CHUNK + "\"}", true)
                    .get(30, TimeUnit.SECONDS);
            String echo = received.poll(30, TimeUnit.SECONDS);
            if (echo == null || !echo.contains("response.output_audio.delta")) {
                throw new IllegalStateException("no echo, but " + echo);
            }
            return System.nanoTime() - start;
        }

        void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "")
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> {
                        socket.abort();
                        return null;
                    });
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String event = partial.toString();
                partial.setLength(0);
                if (!discard) {
                    received.add(event);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
