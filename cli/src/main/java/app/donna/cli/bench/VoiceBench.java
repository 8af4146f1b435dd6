package app.donna.cli.bench;

import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInRealtime;
import app.donna.platform.security.AnonymousSessionTokens;
import app.donna.voice.VoiceRelayApplication;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
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

    public static int run(int roundTrips, int sessions) throws Exception {
        Path home = Files.createTempDirectory("donna-bench-voice-");
        System.out.printf(
                "donna bench voice: %d audio round trips each way (after as many to warm up), heap of %d idle calls%n",
                roundTrips, sessions);
        HttpClient callers = HttpClient.newHttpClient();
        int relayPort = LocalPorts.free();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), LocalPorts.free());
                StandInRealtime model = new StandInRealtime(KEY).echo(true)) {
            ConfigurableApplicationContext relay = VoiceRelayApplication.application()
                    .run(
                            "--server.port=" + relayPort,
                            "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                            "--logging.level.root=WARN",
                            "--donna.security.anonymous.secret=" + SECRET,
                            "--donna.rate-limit.enabled=false",
                            "--donna.voice.api-key=" + KEY,
                            "--donna.voice.base-url=" + model.baseUrl(),
                            "--donna.voice.relay.messages-per-second=100000",
                            "--donna.voice.relay.idle-timeout=1h",
                            "--spring.main.banner-mode=off");
            try {
                URI direct = URI.create(model.realtimeUrl("gpt-realtime"));
                URI relayed = URI.create("ws://127.0.0.1:" + relayPort + "/v1/realtime?model=gpt-realtime");
                AnonymousSessionTokens visitors =
                        new AnonymousSessionTokens(SECRET, Duration.ofHours(1), Clock.systemUTC());

                Caller viaModel = Caller.open(callers, direct, "Bearer " + KEY);
                Caller viaRelay = Caller.open(callers, relayed, "Bearer " + visitors.mint(UUID.randomUUID()));
                viaModel.skipUntil("session.created");
                viaRelay.skipUntil("session.updated"); // the session the relay pinned
                long[] warm = new long[roundTrips];
                long[] directTimes = new long[roundTrips];
                long[] relayTimes = new long[roundTrips];
                for (int i = 0; i < roundTrips; i++) {
                    warm[i] = viaModel.roundTrip() + viaRelay.roundTrip();
                }
                for (int i = 0; i < roundTrips; i++) {
                    directTimes[i] = viaModel.roundTrip();
                    relayTimes[i] = viaRelay.roundTrip();
                }
                viaModel.close();
                viaRelay.close();
                double[] d = percentiles(directTimes);
                double[] r = percentiles(relayTimes);

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
                open = openIdle(callers, relayed, sessions, i -> "Bearer " + visitors.mint(UUID.randomUUID()), false);
                long withRelay = usedHeapAfterGc();
                open.forEach(Caller::close);
                double directPerSession = (withDirect - base) / (double) sessions;
                double relayPerSession = (withRelay - baseAgain) / (double) sessions;

                System.out.println();
                System.out.println("== result ==");
                System.out.printf("direct round trip:  p50 %.3f ms, p99 %.3f ms%n", d[0], d[1]);
                System.out.printf("relayed round trip: p50 %.3f ms, p99 %.3f ms%n", r[0], r[1]);
                System.out.printf(
                        "added by the relay: p50 %.3f ms, p99 %.3f ms (goal: p99 < 1 ms)%n", r[0] - d[0], r[1] - d[1]);
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
