package app.donna.cli.scale;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalKafkaCluster;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.SharedInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Donna scaled out on this machine: a three-broker Kafka cluster in this JVM, and two processes of each
 * stream service on the chat's path (abuse-detector, chat-processor, projections), each its production jar
 * configured by the environment alone, behind one ingress-api. Visitors chat while one process of each
 * service is killed ({@code kill -9}) and one broker dies; clients retry what was not confirmed, as the API
 * tells them to. Then every message is screened once and answered once (read committed, as consumers of
 * exactly-once output read), every message and answer is one row of the history, every conversation's
 * counters on the dashboards count each once, and chat still works on every partition.
 */
class ScaleOutTest {

    private static final Logger log = LoggerFactory.getLogger(ScaleOutTest.class);
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final List<String> SERVICES = List.of("projections", "abuse-detector", "chat-processor");
    static final int SESSIONS = 24;
    static final int ROUNDS = 5;
    static final Duration SETTLE = Duration.ofMinutes(4);

    final HttpClient http = HttpClient.newHttpClient();
    final Map<UUID, UUID> sessionOfMessage = new ConcurrentHashMap<>();

    @Test
    void messagesAreAnsweredAndProjectedOnceThroughKilledInstancesAndABrokerLost(@TempDir Path work) throws Exception {
        SharedInfra.Database db = SharedInfra.newDatabase("scale-out");
        try (LocalKafkaCluster kafka = LocalKafkaCluster.start(work.resolve("kafka"), 3);
                StandInOpenAi model = new StandInOpenAi()
                        .byDefault(StandInOpenAi.delay(200, StandInOpenAi.answer("We are ", "open until 6.")));
                Fleet fleet = new Fleet(work, kafka.bootstrapServers(), db, model.baseUrl())) {
            for (String service : SERVICES) { // projections first: it migrates the schema
                fleet.start(service, 0);
                fleet.start(service, 1);
            }
            fleet.awaitHealthy();
            int port = LocalPorts.free();
            try (ConfigurableApplicationContext ingress = ingress(port, kafka.bootstrapServers(), db)) {
                DevTokenIssuer issuer = ingress.getBean(DevTokenIssuer.class);
                URI api = URI.create("http://127.0.0.1:" + port);
                List<Visitor> visitors = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    visitors.add(new Visitor(issuer.mint("scale-user-" + i), UUID.randomUUID()));
                }
                ExecutorService clients = Executors.newFixedThreadPool(8);
                try {
                    round(clients, api, visitors, 0);
                    round(clients, api, visitors, 1);
                    // the worst moment: messages in flight everywhere
                    List<Future<?>> during = roundAsync(clients, api, visitors, 2);
                    for (String service : SERVICES) {
                        fleet.kill(service, 0);
                    }
                    kafka.kill(1);
                    for (Future<?> f : during) {
                        f.get();
                    }
                    for (int r = 3; r < ROUNDS; r++) {
                        round(clients, api, visitors, r);
                    }
                } finally {
                    clients.shutdownNow();
                }
                int sent = SESSIONS * ROUNDS;
                assertThat(sessionOfMessage).hasSize(sent);

                awaitAnswered(db, sent);
                Map<UUID, Integer> screened = countByMessage(kafka, Topics.CHAT_SCREENED.name());
                Map<UUID, Integer> answered = countByMessage(kafka, Topics.CHAT_REPLIES.name());
                for (UUID message : sessionOfMessage.keySet()) {
                    assertThat(screened.get(message))
                            .as("screenings of " + message)
                            .isEqualTo(1);
                    assertThat(answered.get(message))
                            .as("answers to " + message)
                            .isEqualTo(1);
                }
                assertThat(screened.keySet()).containsExactlyInAnyOrderElementsOf(sessionOfMessage.keySet());
                assertThat(answered.keySet()).containsExactlyInAnyOrderElementsOf(sessionOfMessage.keySet());
                assertProjectedOnce(db);

                // every partition works again, with no instance restarted: a message to each of many new sessions
                Map<UUID, UUID> before = new HashMap<>(sessionOfMessage);
                List<Visitor> fresh = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    fresh.add(new Visitor(issuer.mint("scale-after-" + i), UUID.randomUUID()));
                }
                round(Executors.newFixedThreadPool(8), api, fresh, 0);
                awaitAnswered(db, sent + SESSIONS);
                assertThat(sessionOfMessage).hasSize(before.size() + SESSIONS);
                assertProjectedOnce(db);
                fleet.assertSurvivorsHealthy();
            }
        }
    }

    record Visitor(String token, UUID session) {}

    private void round(ExecutorService clients, URI api, List<Visitor> visitors, int round) throws Exception {
        for (Future<?> f : roundAsync(clients, api, visitors, round)) {
            f.get();
        }
    }

    /** One message from each visitor; each retried with its clientMessageId until the API confirms it. */
    private List<Future<?>> roundAsync(ExecutorService clients, URI api, List<Visitor> visitors, int round) {
        List<Future<?>> sending = new ArrayList<>();
        for (Visitor visitor : visitors) {
            sending.add(clients.submit(() -> {
                String clientId = visitor.session() + "-" + round;
                String body = "{\"text\":\"Are you open late on day " + round + "?\",\"clientMessageId\":\"" + clientId
                        + "\"}";
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (true) {
                    HttpResponse<String> response;
                    try {
                        response = http.send(
                                HttpRequest.newBuilder(
                                                api.resolve("/api/chat/sessions/" + visitor.session() + "/messages"))
                                        .timeout(Duration.ofSeconds(20))
                                        .header("Authorization", "Bearer " + visitor.token())
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (IOException timedOut) {
                        response = null; // the client gave up waiting: it retries, as after any doubt
                    }
                    if (response != null && response.statusCode() == 202) {
                        UUID message = UUID.fromString(
                                JSON.readTree(response.body()).path("messageId").asString());
                        sessionOfMessage.put(message, visitor.session());
                        return null;
                    }
                    if (response != null && response.statusCode() != 503) {
                        throw new AssertionError("unexpected " + response.statusCode() + ": " + response.body());
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("a message was never confirmed");
                    }
                    Thread.sleep(500);
                }
            }));
        }
        return sending;
    }

    private static void awaitAnswered(SharedInfra.Database db, int messages) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int answered = 0;
        while (System.nanoTime() < deadline) {
            try (Connection c = db.connect();
                    ResultSet rs = c.createStatement()
                            .executeQuery("SELECT count(*) FROM chat_messages WHERE role = 'assistant'")) {
                rs.next();
                answered = rs.getInt(1);
            }
            if (answered >= messages) {
                return;
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("only " + answered + " of " + messages + " messages answered within " + SETTLE);
    }

    /** How many times each message was screened, or answered, as a read-committed consumer sees it. */
    private static Map<UUID, Integer> countByMessage(LocalKafkaCluster kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        EventCodec codec = EventCodec.bundled();
        Map<UUID, Integer> counts = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime())
                        .as("read " + topic + " to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    SpecificRecordBase event = codec.decode(record.value());
                    UUID message = switch (event) {
                        case ChatMessageScreened s -> s.getMessageId();
                        case ChatReplyProduced r -> r.getInReplyToMessageId();
                        default -> null;
                    };
                    if (message != null) {
                        counts.merge(message, 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }

    /** Each message and each answer one row; each conversation's dashboard counters count each once. */
    private void assertProjectedOnce(SharedInfra.Database db) throws Exception {
        try (Connection c = db.connect()) {
            Map<UUID, Integer> rows = new HashMap<>();
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT session_id, count(*) FROM chat_messages GROUP BY session_id")) {
                while (rs.next()) {
                    rows.put(rs.getObject(1, UUID.class), rs.getInt(2));
                }
            }
            Map<UUID, Integer> expected = new HashMap<>();
            sessionOfMessage.values().forEach(s -> expected.merge(s, 2, Integer::sum)); // the message, its answer
            assertThat(rows).as("history rows per session").isEqualTo(expected);
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT count(*), count(DISTINCT reply_to) FROM chat_messages"
                            + " WHERE role = 'assistant'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("answers, each to another message").isEqualTo(rs.getInt(2));
            }
            Map<String, Integer> counted = new HashMap<>();
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT conversation_id, messages FROM dashboard_conversations"
                            + " WHERE channel = 'chat'")) {
                while (rs.next()) {
                    counted.put(rs.getString(1), rs.getInt(2));
                }
            }
            Map<String, Integer> expectedCounts = new HashMap<>();
            expected.forEach((session, n) -> expectedCounts.put("chat:" + session, n));
            assertThat(counted).as("the inbox dashboard's message counts").isEqualTo(expectedCounts);
        }
    }

    private static ConfigurableApplicationContext ingress(int port, String kafka, SharedInfra.Database db) {
        return IngressApplication.application()
                .run(
                        "--server.port=" + port,
                        "--spring.kafka.bootstrap-servers=" + kafka,
                        "--spring.datasource.url=" + db.jdbcUrl(),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--donna.dev.token-issuer.enabled=true",
                        "--donna.security.jwt.issuer-uri=http://127.0.0.1:" + port + "/dev",
                        "--donna.security.jwt.audiences=donna-api",
                        "--donna.security.internal-secret=scale-out-secret",
                        "--donna.rate-limit.per-user-burst=100000",
                        "--donna.rate-limit.per-ip-burst=100000",
                        "--donna.rate-limit.shared=false",
                        "--spring.main.banner-mode=off");
    }

    /**
     * The services' processes: each the module's executable jar, as production runs it, configured by
     * environment variables only, its output kept in a file that a failure prints.
     */
    static final class Fleet implements AutoCloseable {

        private final Path work;
        private final Map<String, String> common;
        private final Map<String, Process> processes = new LinkedHashMap<>();
        private final Map<String, Integer> ports = new LinkedHashMap<>();
        private final Set<String> killed = ConcurrentHashMap.newKeySet();

        Fleet(Path work, String kafka, SharedInfra.Database db, String modelUrl) {
            this.work = work;
            this.common = Map.of(
                    "DONNA_KAFKA_BOOTSTRAP",
                    kafka,
                    "DONNA_INTERNAL_SECRET",
                    "scale-out-secret",
                    "DONNA_DB_URL",
                    db.jdbcUrl(),
                    "DONNA_DB_USER",
                    db.username(),
                    "DONNA_DB_PASSWORD",
                    db.password(),
                    "OPENAI_BASE_URL",
                    modelUrl,
                    "OPENAI_API_KEY",
                    "scale-out-key");
        }

        void start(String service, int instance) throws IOException {
            Path jar = Path.of("..", service, "target", service + "-0.1.0-SNAPSHOT-exec.jar");
            assertThat(jar)
                    .as("the executable jar of " + service + " (./mvnw package builds it)")
                    .exists();
            String name = service + "-" + instance;
            int port = LocalPorts.free();
            Path state = Files.createDirectories(work.resolve(name));
            ProcessBuilder builder = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Xmx384m",
                            "-Xss512k",
                            "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1",
                            "-jar",
                            jar.toAbsolutePath().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve(name + ".log").toFile());
            Map<String, String> env = builder.environment();
            env.putAll(common);
            String prefix = "DONNA_" + service.toUpperCase().replace('-', '_');
            env.put(prefix + "_PORT", String.valueOf(port));
            env.put("DONNA_CHAT_STATE_DIR", state.toString());
            env.put("DONNA_ABUSE_STATE_DIR", state.toString());
            processes.put(name, builder.start());
            ports.put(name, port);
            log.info("Started {} (pid {}) on port {}", name, processes.get(name).pid(), port);
        }

        void awaitHealthy() throws Exception {
            for (String name : processes.keySet()) {
                awaitHealthy(name, Duration.ofMinutes(4));
            }
        }

        private void awaitHealthy(String name, Duration timeout) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!processes.get(name).isAlive()) {
                    throw new AssertionError(name + " exited:\n" + tail(name));
                }
                try {
                    HttpResponse<String> health = http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + ports.get(name) + "/actuator/health"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(1_000);
            }
            throw new AssertionError(name + " was not healthy within " + timeout + ":\n" + tail(name));
        }

        /** SIGKILL: no shutdown hook, no commit, no leaving the group. */
        void kill(String service, int instance) throws InterruptedException {
            String name = service + "-" + instance;
            Process process = processes.get(name);
            process.destroyForcibly();
            process.waitFor();
            killed.add(name);
            log.info("Killed {} (kill -9)", name);
        }

        void assertSurvivorsHealthy() throws Exception {
            for (String name : processes.keySet()) {
                if (!killed.contains(name)) {
                    assertThat(processes.get(name).isAlive())
                            .as(name + " is alive")
                            .isTrue();
                    awaitHealthy(name, Duration.ofSeconds(30));
                }
            }
        }

        private String tail(String name) {
            try {
                List<String> lines = Files.readAllLines(work.resolve(name + ".log"));
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() {
            processes.values().forEach(Process::destroy);
            for (var entry : processes.entrySet()) {
                try {
                    if (!entry.getValue().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                        entry.getValue().destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
