package app.donna.cli.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code donna bench chat --ingest-clients N}: how many chat messages a second ingress-api accepts
 * ({@code POST /api/chat/sessions/{id}/messages}, 202) at N clients that each send the next as soon as the
 * last is answered, with the whole pipeline running behind it; beside two floors measured the same way on
 * the same stack and broker, one after the other:
 *
 * <ul>
 *   <li>the anonymous floor: the same POST, same body and clients, without a token: Tomcat and Spring
 *       Security's filter chain answer 401 before any controller, JSON or Kafka work;
 *   <li>the broker's floor, like Kafka's {@code ProducerPerformance}: one producer ({@code acks=all},
 *       idempotent, the client's default batching) sending 300-byte records to a topic of one partition as
 *       fast as the broker acknowledges them, counting acknowledgements.
 * </ul>
 */
final class Ingest {

    private Ingest() {}

    /**
     * @param warmup the least warm-up of the first phase, which goes on until the JIT compiler settles (at
     *     most {@code maxWarmup} seconds, no less than {@code warmup}); the floors after it warm up for at
     *     most 5 s, the JVM being warm
     */
    static void run(
            URI ingress, String kafkaBootstrap, int clients, int sessionCount, int warmup, int maxWarmup, int seconds)
            throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        BenchSessions opened = BenchSessions.open(http, ingress, sessionCount);
        List<String> tokens = opened.tokens();
        List<UUID> sessions = opened.sessions();
        Rate chat = posts(
                http,
                ingress,
                clients,
                sessions,
                tokens,
                true,
                202,
                Warmup.ofThisJvm(Duration.ofSeconds(warmup), Duration.ofSeconds(maxWarmup)),
                seconds);
        int floorWarmup = Math.min(warmup, 5);
        Rate anonymous = posts(
                http,
                ingress,
                clients,
                sessions,
                tokens,
                false,
                401,
                Warmup.ofThisJvm(Duration.ofSeconds(floorWarmup), Duration.ofSeconds(floorWarmup)),
                seconds);
        Rate kafka = producer(kafkaBootstrap, floorWarmup, seconds);
        System.out.println();
        System.out.println("== result ==");
        System.out.printf(
                "POST /messages with a token (202), %d clients, pipeline running: %,.0f/s (%d other statuses); "
                        + "load average %s before, %s after%n",
                clients, chat.perSecond(), chat.unexpected(), chat.loadBefore(), chat.loadAfter());
        System.out.print(chat.usage().perUnit("accepted POST", chat.count(), chat.seconds()));
        System.out.printf(
                "anonymous floor (same POST without a token, 401), %d clients: %,.0f/s (%d other statuses); "
                        + "load average %s before, %s after%n",
                clients, anonymous.perSecond(), anonymous.unexpected(), anonymous.loadBefore(), anonymous.loadAfter());
        System.out.print(anonymous.usage().perUnit("rejected POST", anonymous.count(), anonymous.seconds()));
        System.out.printf(
                "kafka producer floor (300 B records, acks=all, one partition, as fast as acknowledged): "
                        + "%,.0f records/s; load average %s before, %s after%n",
                kafka.perSecond(), kafka.loadBefore(), kafka.loadAfter());
        System.out.printf(
                "ingest / anonymous floor: %.1f %%, ingest / kafka floor: %.2f %%%n",
                100 * chat.perSecond() / anonymous.perSecond(), 100 * chat.perSecond() / kafka.perSecond());
    }

    /** What one phase counted over its measured window. */
    record Rate(long count, long unexpected, double seconds, Usage usage, String loadBefore, String loadAfter) {
        double perSecond() {
            return count / seconds;
        }
    }

    /** Closed loop: each client POSTs the next message as soon as the last one is answered. */
    private static Rate posts(
            HttpClient http,
            URI ingress,
            int clients,
            List<UUID> sessions,
            List<String> tokens,
            boolean withToken,
            int expected,
            Warmup warmup,
            int seconds)
            throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong other = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofVirtual().start(() -> {
                int s = client % sessions.size();
                URI uri = ingress.resolve("/api/chat/sessions/" + sessions.get(s) + "/messages");
                for (long n = 0; running.get(); n++) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"text\":\"bench question " + client + "-" + n + " about opening hours\"}"));
                    if (withToken) {
                        request.header("Authorization", "Bearer " + tokens.get(s));
                    }
                    try {
                        int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                        if (measuring.get()) {
                            (status == expected ? ok : other).incrementAndGet();
                        }
                    } catch (Exception e) {
                        if (measuring.get()) {
                            other.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (int tick = 0; !warmup.over(System.nanoTime()); tick++) {
            if (tick % 15 == 0) {
                System.out.println(warmup.outcome());
            }
            Thread.sleep(1_000);
        }
        System.out.println(warmup.outcome() + "; measuring for " + seconds + " s");
        String loadBefore = ChatBench.loadAverage();
        Usage start = Usage.now();
        long t0 = System.nanoTime();
        measuring.set(true);
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        measuring.set(false);
        long t1 = System.nanoTime();
        long count = ok.get();
        Usage used = Usage.now().since(start);
        String loadAfter = ChatBench.loadAverage();
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
        return new Rate(count, other.get(), (t1 - t0) / 1e9, used, loadBefore, loadAfter);
    }

    /** As fast as the broker acknowledges: a send never waits for the last one, only for buffer space. */
    private static Rate producer(String servers, int warmup, int seconds) throws Exception {
        String topic = "bench-ingest-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong acked = new AtomicLong();
        byte[] payload = new byte[300];
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", servers, "acks", "all", "enable.idempotence", true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long warmEnd = System.nanoTime() + Duration.ofSeconds(warmup).toNanos();
            long end = warmEnd + Duration.ofSeconds(seconds).toNanos();
            String loadBefore = null;
            Usage start = null;
            long t0 = 0;
            while (System.nanoTime() < end) {
                if (start == null && System.nanoTime() >= warmEnd) {
                    loadBefore = ChatBench.loadAverage();
                    start = Usage.now();
                    t0 = System.nanoTime();
                    measuring.set(true);
                }
                producer.send(new ProducerRecord<>(topic, payload), (metadata, e) -> {
                    if (e == null && measuring.get()) {
                        acked.incrementAndGet();
                    }
                });
            }
            measuring.set(false);
            long t1 = System.nanoTime();
            Usage used =
                    start == null ? new Usage(0, 0, 0, 0, null) : Usage.now().since(start);
            return new Rate(acked.get(), 0, (t1 - t0) / 1e9, used, loadBefore, ChatBench.loadAverage());
        }
    }
}
