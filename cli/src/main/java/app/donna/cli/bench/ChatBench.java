package app.donna.cli.bench;

import app.donna.cli.dev.DevOptions;
import app.donna.cli.dev.DevStack;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.util.FileSystemUtils;

/**
 * {@code donna bench chat}: the chat pipeline's own latency, from the moment a message is POSTed to
 * ingress-api to the moment its final reply arrives on the session's server-sent-events stream, at a
 * fixed rate, with an instantly answering stand-in model; beside the Kafka broker's own one-hop
 * end-to-end latency, measured on the same broker in the same run.
 *
 * <p>It starts the whole stack (as {@code donna dev} does) in a temporary folder. The path measured
 * crosses four hops: ingress-api → inbound → abuse-detector (exactly-once) → screened → chat-processor
 * (exactly-once) → replies → ingress-api's stream.
 */
public final class ChatBench {

    private static final Pattern REPLY_TO = Pattern.compile("\"inReplyTo\":\"([0-9a-f-]{36})\"");

    private ChatBench() {}

    /**
     * What a run sends and how the services are tuned.
     *
     * @param rate messages per second
     * @param seconds how long the measured part lasts
     * @param warmupSeconds the least time the same load runs, unmeasured, first; it goes on until the JIT
     *     compiler settles ({@link Warmup})
     * @param maxWarmupSeconds the most time it runs, settled or not
     * @param sessions how many chat sessions the messages are spread over
     * @param commitIntervalMs the services' streams commit interval; negative for their own default
     * @param streamThreads stream threads of abuse-detector and of chat-processor; 0 or less for their defaults
     * @param traceHops whether to print where the time goes, hop by hop
     * @param model how the stand-in model answers
     * @param maxConcurrentCalls chat-processor's {@code donna.chat.llm.max-concurrent-calls}; 0 or less for its
     *     default
     * @param ingestClients more than 0: measure POST throughput at this many clients instead of latency
     * @param fragmentIntervalMs chat-processor's {@code donna.chat.fragment-interval}; negative for its default
     * @param eagerCommits the services' {@code donna.kafka.eager-commits}
     */
    public record Settings(
            int rate,
            int seconds,
            int warmupSeconds,
            int maxWarmupSeconds,
            int sessions,
            int commitIntervalMs,
            int streamThreads,
            boolean traceHops,
            Model model,
            int maxConcurrentCalls,
            int ingestClients,
            int fragmentIntervalMs,
            boolean eagerCommits) {

        /** The longest warm-up: the cap, or the least warm-up if that is longer. */
        int warmupCapSeconds() {
            return Math.max(warmupSeconds, maxWarmupSeconds);
        }
    }

    /**
     * The stand-in model: instant (three chunks at once) when {@code firstTokenMs} is negative, otherwise
     * paced: first token after {@code firstTokenMs}, then {@code tokensPerSecond}, {@code tokens} in all.
     */
    public record Model(long firstTokenMs, double tokensPerSecond, int tokens) {

        static final Model INSTANT = new Model(-1, 0, 0);

        boolean instant() {
            return firstTokenMs < 0;
        }

        StandInOpenAi.Behaviour behaviour() {
            return instant()
                    ? StandInOpenAi.answer("Yes, ", "we are ", "open.")
                    : StandInOpenAi.paced(firstTokenMs, tokensPerSecond, tokens);
        }

        /** How long after the request the model's last token is due. */
        double lastTokenMs() {
            return instant() ? 0 : firstTokenMs + (tokens - 1) * Math.round(1000 / tokensPerSecond);
        }

        @Override
        public String toString() {
            return instant()
                    ? "an instantly answering stand-in model"
                    : String.format(
                            "a stand-in model answering its first token after %d ms, then %.0f tokens/s, %d tokens "
                                    + "(last one due after %.0f ms)",
                            firstTokenMs, tokensPerSecond, tokens, lastTokenMs());
        }
    }

    public static int run(Settings settings) throws Exception {
        // the broker's and PostgreSQL's data of one run: gigabytes after a long one, of no use after it
        Path home = Files.createTempDirectory("donna-bench-chat-");
        try {
            return run(settings, home);
        } finally {
            FileSystemUtils.deleteRecursively(home);
        }
    }

    private static int run(Settings settings, Path home) throws Exception {
        int rate = settings.rate();
        int seconds = settings.seconds();
        int warmup = settings.warmupSeconds();
        int sessions = settings.sessions();
        int commitMs = settings.commitIntervalMs();
        int threads = settings.streamThreads();
        boolean traceHops = settings.traceHops();
        if (settings.ingestClients() > 0) {
            System.out.printf(
                    "donna bench chat: POST throughput at %d clients for %d s (after at least %d s of warm-up, until "
                            + "the JIT compiler settles, at most %d s) over %d sessions, with %s%n",
                    settings.ingestClients(), seconds, warmup, settings.warmupCapSeconds(), sessions, settings.model());
        } else {
            System.out.printf(
                    "donna bench chat: %d msg/s for %d s (after at least %d s of warm-up, until the JIT compiler "
                            + "settles, at most %d s) over %d sessions, streams commit interval %s%s, with %s%n",
                    rate,
                    seconds,
                    warmup,
                    settings.warmupCapSeconds(),
                    sessions,
                    commitMs < 0 ? "as configured" : commitMs + " ms",
                    settings.eagerCommits() ? "" : " (periodic commits only)",
                    settings.model());
        }
        try (StandInOpenAi model =
                new StandInOpenAi().byDefault(settings.model().behaviour())) {
            Map<String, Integer> ports = new LinkedHashMap<>();
            DevOptions.DEFAULT_PORTS.keySet().forEach(s -> ports.put(s, LocalPorts.free()));
            List<String> everyService = new ArrayList<>(List.of("--logging.level.root=WARN"));
            List<String> abuse = new ArrayList<>(List.of(
                    "--donna.abuse.behaviour.max-messages=1000000", "--donna.abuse.behaviour.max-repeats=1000000"));
            List<String> chat = new ArrayList<>(
                    List.of("--donna.chat.llm.base-url=" + model.baseUrl(), "--donna.chat.llm.api-key=sk-bench"));
            if (commitMs >= 0) {
                everyService.add("--donna.kafka.streams-commit-interval=" + commitMs + "ms");
            }
            if (!settings.eagerCommits()) {
                everyService.add("--donna.kafka.eager-commits=false");
            }
            if (threads > 0) {
                abuse.add("--donna.abuse.threads=" + threads);
                chat.add("--donna.chat.threads=" + threads);
            }
            if (settings.fragmentIntervalMs() >= 0) {
                chat.add("--donna.chat.fragment-interval=" + settings.fragmentIntervalMs() + "ms");
            }
            if (settings.maxConcurrentCalls() > 0) {
                chat.add("--donna.chat.llm.max-concurrent-calls=" + settings.maxConcurrentCalls());
            }
            Map<String, List<String>> extra = Map.of(
                    "*",
                    everyService,
                    "ingress-api",
                    List.of("--donna.rate-limit.enabled=false"),
                    "abuse-detector",
                    abuse,
                    "chat-processor",
                    chat);
            DevOptions options = new DevOptions(
                    home, Optional.empty(), LocalPorts.free(), Optional.empty(), LocalPorts.free(), ports, "", extra);
            try (DevStack stack = DevStack.start(options)) {
                // PostgreSQL runs in a process of its own: stop it on Ctrl-C too
                Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "stop-bench-stack"));
                // the dev stack's PostgreSQL data folder (DevStack): its server is not a child of this JVM
                Usage.countPostgres(home.resolve("postgres"));
                if (settings.ingestClients() > 0) {
                    Ingest.run(
                            stack.services().get("ingress-api"),
                            stack.kafkaBootstrap(),
                            settings.ingestClients(),
                            sessions,
                            warmup,
                            settings.warmupCapSeconds(),
                            seconds);
                    return 0;
                }
                double[] kafka = kafkaBaseline(stack.kafkaBootstrap(), 2000);
                Result pipeline;
                try (HopProbe probe = traceHops ? new HopProbe(stack.kafkaBootstrap()) : null) {
                    pipeline = pipeline(
                            stack.services().get("ingress-api"),
                            stack.kafkaBootstrap(),
                            rate,
                            warmup,
                            seconds,
                            sessions,
                            probe,
                            settings);
                }
                System.out.println();
                System.out.println("== result ==");
                System.out.printf(
                        "kafka one hop (acks=all, produce -> consume): p50 %.1f ms, p99 %.1f ms%n", kafka[0], kafka[1]);
                System.out.printf(
                        "chat POST -> final reply on SSE, %d msg/s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
                                + "max %.1f ms (%d replies, %d POST errors, %d missing)%n",
                        rate,
                        pipeline.p50,
                        pipeline.p90,
                        pipeline.p99,
                        pipeline.max,
                        pipeline.count,
                        pipeline.errors,
                        pipeline.missing);
                System.out.printf("ratio pipeline p99 / kafka hop p99: %.1f%n", pipeline.p99 / kafka[1]);
                System.out.printf(
                        "degraded replies (the pipeline gave up on the model and answered offline): %d of %d%n",
                        pipeline.degraded, pipeline.count);
                System.out.printf(
                        "messages sent to a session still waiting for its last answer (none was idle): %d of %d%s%n",
                        pipeline.sentToBusy,
                        pipeline.sentInWindow,
                        pipeline.sentToBusy == 0
                                ? ""
                                : "; these wait for that answer first, by design, so latency includes it");
                Result.Delta d = pipeline.firstDelta;
                System.out.printf(
                        "chat POST -> first delta on SSE, %d msg/s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms "
                                + "(%d first deltas)%n",
                        rate, d.p50(), d.p90(), d.p99(), d.count());
                if (!settings.model().instant()) {
                    long first = settings.model().firstTokenMs();
                    System.out.printf(
                            "  minus the model's first-token time (%d ms): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms; "
                                    + "ratio p99 / kafka hop p99: %.1f%n",
                            first, d.p50() - first, d.p90() - first, d.p99() - first, (d.p99() - first) / kafka[1]);
                    double last = settings.model().lastTokenMs();
                    System.out.printf(
                            "  final reply minus the model's last-token time (%.0f ms): p50 %.1f ms, p99 %.1f ms%n",
                            last, pipeline.p50 - last, pipeline.p99 - last);
                }
                System.out.print(pipeline.usage.perUnit("message", pipeline.sentInWindow, pipeline.windowSeconds));
                System.out.print(pipeline.usage.perUnitByPart("message", pipeline.sentInWindow));
                System.out.println("kept by the broker per message: " + pipeline.logBytes);
                System.out.printf(
                        "  (%d messages POSTed in the %.1f s window; load average %s before, %s after)%n",
                        pipeline.sentInWindow, pipeline.windowSeconds, pipeline.loadBefore, pipeline.loadAfter);
                System.out.print(pipeline.backlog);
                if (pipeline.hops != null) {
                    System.out.print(pipeline.hops);
                }
            }
        }
        return 0;
    }

    /** An SSE stream's lines, one at a time, in order, as they arrive; {@code opened} once the response began. */
    private record SseLines(Runnable opened, java.util.function.Consumer<String> line)
            implements java.util.concurrent.Flow.Subscriber<String> {

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            opened.run();
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String item) {
            line.accept(item);
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }

    record Result(
            double p50,
            double p90,
            double p99,
            double max,
            int count,
            int errors,
            int missing,
            String hops,
            Delta firstDelta,
            Usage usage,
            long sentInWindow,
            double windowSeconds,
            String loadBefore,
            String loadAfter,
            String backlog,
            int degraded,
            int sentToBusy,
            String logBytes) {

        record Delta(double p50, double p90, double p99, int count) {}
    }

    /** The one-, five- and fifteen-minute load averages, as {@code uptime} shows them. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            double one = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage();
            return one < 0 ? "unknown" : String.format("%.2f", one);
        }
    }

    private static Result pipeline(
            URI ingress,
            String kafkaBootstrap,
            int rate,
            int warmup,
            int seconds,
            int sessionCount,
            HopProbe probe,
            Settings settings)
            throws Exception {
        // The load generator runs on named platform threads, so the CPU it spends is told apart from the
        // stack's (CpuByPart); virtual threads would share their carriers with ingress-api's Tomcat.
        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newCachedThreadPool(
                        Thread.ofPlatform().name("bench-client-", 0).daemon().factory()))
                .build();
        // The SSE streams have a client of their own, so their lines and the POSTs' responses never queue
        // behind each other
        HttpClient streams = HttpClient.newBuilder()
                .executor(Executors.newCachedThreadPool(
                        Thread.ofPlatform().name("bench-streams-", 0).daemon().factory()))
                .build();
        BenchSessions opened = BenchSessions.open(http, ingress, sessionCount);
        List<String> tokens = opened.tokens();
        List<UUID> sessions = opened.sessions();
        Map<UUID, Long> sentAt = new ConcurrentHashMap<>();
        Map<UUID, Long> deliveredAt = new ConcurrentHashMap<>();
        Map<UUID, Long> firstDeltaAt = new ConcurrentHashMap<>();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger replied = new AtomicInteger();
        AtomicInteger responded = new AtomicInteger();
        // replies the pipeline gave up on (the model too slow, the circuit open): an offline answer
        Set<UUID> degraded = ConcurrentHashMap.newKeySet();
        CountDownLatch connected = new CountDownLatch(sessionCount);
        // Conversations as people have them: the next message goes to a session that has had its answer
        // (the longest idle first), not to one still waiting, since a session's messages are answered one at
        // a time by design and a second one would wait for the first answer on top of the pipeline's own
        // time. Only when every session is waiting does a message go to a busy one, and the report counts it.
        Queue<Integer> idle = new ConcurrentLinkedQueue<>();
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, sessionCount).boxed().toList());
        java.util.Collections.shuffle(order, new Random(7));
        idle.addAll(order);
        AtomicIntegerArray awaiting = new AtomicIntegerArray(sessionCount);
        AtomicInteger sentToBusy = new AtomicInteger();
        for (int i = 0; i < sessionCount; i++) {
            int index = i;
            HttpRequest stream = HttpRequest.newBuilder(
                            ingress.resolve("/api/chat/sessions/" + sessions.get(i) + "/stream"))
                    .header("Authorization", "Bearer " + tokens.get(i))
                    .header("Accept", "text/event-stream")
                    .GET()
                    .build();
            // Lines are pushed to the reader as they come: a thousand streams hold no thread each. (A reader
            // blocking on each stream's lines took a pool thread per stream, and past the pool's 256 the
            // other streams and the POSTs' responses waited for ever: 2026-12-02.)
            String[] event = {""};
            streams.sendAsync(
                    stream, HttpResponse.BodyHandlers.fromLineSubscriber(new SseLines(connected::countDown, line -> {
                        if (line.startsWith("event:")) {
                            event[0] = line.substring(6).strip();
                        } else if (line.startsWith("data:") && (event[0].equals("reply") || event[0].equals("delta"))) {
                            long now = System.nanoTime();
                            Matcher m = REPLY_TO.matcher(line);
                            if (m.find()) {
                                UUID id = UUID.fromString(m.group(1));
                                if (event[0].equals("delta")) {
                                    firstDeltaAt.putIfAbsent(id, now);
                                } else if (deliveredAt.putIfAbsent(id, now) == null) {
                                    replied.incrementAndGet();
                                    if (awaiting.decrementAndGet(index) == 0) {
                                        idle.add(index);
                                    }
                                    if (line.contains("\"degraded\":true")) {
                                        degraded.add(id);
                                    }
                                }
                            }
                        }
                    })));
        }
        connected.await(60, TimeUnit.SECONDS);
        AtomicInteger errors = new AtomicInteger();
        Random random = new Random(7);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("bench-clock").daemon().factory());
        AtomicInteger sent = new AtomicInteger();
        Map<UUID, Boolean> measured = new ConcurrentHashMap<>();
        Map<UUID, Integer> sentNumber = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        long periodNanos = 1_000_000_000L / rate;
        // The first measured message and the end: known once the warm-up is over (Warmup)
        Warmup warm = Warmup.ofThisJvm(Duration.ofSeconds(warmup), Duration.ofSeconds(settings.warmupCapSeconds()));
        AtomicInteger firstMeasured = new AtomicInteger(-1);
        AtomicInteger total = new AtomicInteger(Integer.MAX_VALUE);
        // What the machine spends over the measured window: taken on the sending thread as the first
        // measured message goes out and as the last one would have
        Usage[] usage = new Usage[2];
        List<java.util.concurrent.CompletableFuture<LogBytes>> logBytes =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] window = new long[2];
        String[] load = new String[2];
        List<int[]> backlog = new java.util.concurrent.CopyOnWriteArrayList<>();
        clock.scheduleAtFixedRate(
                () -> {
                    int n = sent.getAndIncrement();
                    int first = firstMeasured.get();
                    if (first < 0 && n % rate == 0) {
                        if (warm.over(System.nanoTime())) {
                            first = n;
                            total.set(n + rate * seconds);
                            System.out.println(warm.outcome() + "; measuring for " + seconds + " s");
                            load[0] = loadAverage();
                            window[0] = System.nanoTime();
                            usage[0] = Usage.now();
                            logBytes.add(LogBytes.takeAsync(kafkaBootstrap));
                            firstMeasured.set(n);
                        } else if (n % (rate * 15) == 0) {
                            System.out.println(warm.outcome());
                        }
                    }
                    if (first >= 0 && n >= first && (n - first) % rate == 0 && n < total.get()) {
                        // once a second: messages accepted and not yet answered on their stream
                        backlog.add(new int[] {(n - first) / rate, accepted.get() - replied.get()});
                    }
                    if (n >= total.get()) {
                        if (n == total.get()) {
                            usage[1] = Usage.now();
                            logBytes.add(LogBytes.takeAsync(kafkaBootstrap));
                            window[1] = System.nanoTime();
                            load[1] = loadAverage();
                        }
                        done.countDown();
                        return;
                    }
                    boolean inWindow = first >= 0 && n >= first;
                    int number = n - first;
                    Integer next;
                    while ((next = idle.poll()) != null && awaiting.get(next) > 0) {
                        // waiting again since it was queued (it had a message while none was idle); it comes
                        // back when answered
                    }
                    if (next == null) {
                        next = random.nextInt(sessionCount);
                        if (inWindow) {
                            sentToBusy.incrementAndGet();
                        }
                    }
                    int s = next;
                    awaiting.incrementAndGet(s);
                    String json = "{\"text\":\"bench question " + n + " about opening hours\"}";
                    long t0 = System.nanoTime();
                    http.sendAsync(
                                    HttpRequest.newBuilder(ingress.resolve(
                                                    "/api/chat/sessions/" + sessions.get(s) + "/messages"))
                                            .header("Authorization", "Bearer " + tokens.get(s))
                                            .header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(json))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .whenComplete((r, e) -> {
                                if (e != null && errors.getAndIncrement() == 0) {
                                    System.out.println("first POST failure: " + e);
                                }
                                if (e != null && awaiting.decrementAndGet(s) == 0) {
                                    idle.add(s);
                                }
                                responded.incrementAndGet();
                            })
                            .thenAccept(r -> {
                                if (r.statusCode() != 202) {
                                    errors.incrementAndGet();
                                    if (awaiting.decrementAndGet(s) == 0) {
                                        idle.add(s); // no answer will come for it
                                    }
                                    return;
                                }
                                UUID id = UUID.fromString(r.body().replaceAll(".*\"messageId\":\"([^\"]+)\".*", "$1"));
                                sentAt.put(id, t0);
                                accepted.incrementAndGet();
                                if (inWindow) {
                                    measured.put(id, true);
                                    sentNumber.put(id, number);
                                }
                            });
                },
                0,
                periodNanos,
                TimeUnit.NANOSECONDS);
        done.await();
        clock.shutdown();
        // On a busy machine the last POSTs' responses (and so their message ids) can still be on their way
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && responded.get() < total.get()) {
            Thread.sleep(100);
        }
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !deliveredAt.keySet().containsAll(measured.keySet())) {
            Thread.sleep(100);
        }
        // A reply can reach the stream before the POST's response reaches the bench: the message id is
        // only known from that response, so delivery times are kept by id and matched afterwards.
        double[] ms = measured.keySet().stream()
                .filter(deliveredAt::containsKey)
                .mapToDouble(id -> (deliveredAt.get(id) - sentAt.get(id)) / 1e6)
                .sorted()
                .toArray();
        int missing = (int) measured.keySet().stream()
                .filter(id -> !deliveredAt.containsKey(id))
                .count();
        double[] deltaMs = measured.keySet().stream()
                .filter(firstDeltaAt::containsKey)
                .mapToDouble(id -> (firstDeltaAt.get(id) - sentAt.get(id)) / 1e6)
                .sorted()
                .toArray();
        String hops = probe == null ? null : probe.report(sentAt, deliveredAt, measured.keySet());
        int inWindow = rate * seconds;
        return new Result(
                pct(ms, 0.5),
                pct(ms, 0.9),
                pct(ms, 0.99),
                ms.length == 0 ? 0 : ms[ms.length - 1],
                ms.length,
                errors.get(),
                missing,
                hops,
                new Result.Delta(pct(deltaMs, 0.5), pct(deltaMs, 0.9), pct(deltaMs, 0.99), deltaMs.length),
                usage[1].since(usage[0]),
                inWindow,
                (window[1] - window[0]) / 1e9,
                load[0],
                load[1],
                backlog(backlog, seconds, measured.keySet(), sentNumber, sentAt, deliveredAt, inWindow),
                (int) measured.keySet().stream().filter(degraded::contains).count(),
                sentToBusy.get(),
                logBytes.get(1).join().perMessage(logBytes.get(0).join(), inWindow));
    }

    /**
     * Whether the pipeline keeps up: the messages accepted but not yet answered on their stream, sampled
     * once a second, and the POST-to-reply p50 of the messages sent in the first and the last quarter of
     * the window. A backlog and a latency that grow from the first quarter to the last mean a queue that
     * grows; steady ones mean it keeps up.
     */
    private static String backlog(
            List<int[]> samples,
            int seconds,
            Iterable<UUID> measured,
            Map<UUID, Integer> sentNumber,
            Map<UUID, Long> sentAt,
            Map<UUID, Long> deliveredAt,
            int inWindow) {
        int quarter = Math.max(1, seconds / 4);
        double firstBacklog = samples.stream()
                .filter(s -> s[0] < quarter)
                .mapToInt(s -> s[1])
                .average()
                .orElse(Double.NaN);
        double lastBacklog = samples.stream()
                .filter(s -> s[0] >= seconds - quarter)
                .mapToInt(s -> s[1])
                .average()
                .orElse(Double.NaN);
        int maxBacklog = samples.stream().mapToInt(s -> s[1]).max().orElse(0);
        List<Double> early = new ArrayList<>();
        List<Double> late = new ArrayList<>();
        int unansweredEarly = 0;
        int unansweredLate = 0;
        for (UUID id : measured) {
            int n = sentNumber.get(id);
            boolean isEarly = n < inWindow / 4;
            boolean isLate = n >= inWindow - inWindow / 4;
            Long at = deliveredAt.get(id);
            if (at == null) {
                unansweredEarly += isEarly ? 1 : 0;
                unansweredLate += isLate ? 1 : 0;
            } else if (isEarly) {
                early.add((at - sentAt.get(id)) / 1e6);
            } else if (isLate) {
                late.add((at - sentAt.get(id)) / 1e6);
            }
        }
        double[] e = early.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] l = late.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(
                "backlog (accepted, not yet answered on the stream; sampled each second): first quarter avg %.0f, "
                        + "last quarter avg %.0f, max %d%n"
                        + "POST -> final reply p50 / p99 of the messages sent in the first quarter: %.1f / %.1f ms "
                        + "(%d unanswered), in the last quarter: %.1f / %.1f ms (%d unanswered)%n",
                firstBacklog,
                lastBacklog,
                maxBacklog,
                pct(e, 0.5),
                pct(e, 0.99),
                unansweredEarly,
                pct(l, 0.5),
                pct(l, 0.99),
                unansweredLate);
    }

    /** One record at a time: produce (acks=all) and wait until a consumer has it; p50 and p99 in ms. */
    private static double[] kafkaBaseline(String servers, int n) throws Exception {
        String topic = "bench-e2e-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        double[] ms = new double[n];
        try (var producer = new KafkaProducer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers",
                                servers,
                                "acks",
                                "all",
                                "enable.idempotence",
                                true,
                                "linger.ms",
                                0),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
                var consumer = new KafkaConsumer<>(
                        Map.<String, Object>of("bootstrap.servers", servers, "fetch.max.wait.ms", 500),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            byte[] payload = new byte[300];
            for (int i = 0; i < n + 200; i++) {
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, payload)).get();
                while (consumer.poll(Duration.ofMillis(1000)).isEmpty()) {
                    // wait for it
                }
                if (i >= 200) {
                    ms[i - 200] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        Arrays.sort(ms);
        return new double[] {pct(ms, 0.5), pct(ms, 0.99)};
    }

    static double pct(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }
}
