package app.donna.cli.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.abuse.AbuseDetectorApplication;
import app.donna.chat.ChatProcessorApplication;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.projections.ProjectionsApplication;
import app.donna.schemas.Topics;
import app.donna.testing.ScramKafka;
import app.donna.testing.SharedInfra;
import app.donna.testing.SseReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chat pipeline on a cluster that, like any managed Kafka, takes only authenticated clients: a broker
 * of its own whose one client listener requires SASL/SCRAM-SHA-256, and every service given the
 * credentials only as the Spring Boot properties production sets. A message posted to ingress-api is
 * screened by abuse-detector, answered by chat-processor (fragments and reply), streamed back by
 * ingress-api's reply tail and projected into PostgreSQL; a record chat-processor cannot decode goes to
 * its dead-letter topic. Any client left without the credentials would get nowhere, and so would this.
 */
class ChatOverSaslEndToEndTest {

    static final int PORT = LocalPorts.free();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final StandInOpenAi OPEN_AI =
            new StandInOpenAi().byDefault(StandInOpenAi.answer("Yes, ", "we are ", "open."));
    static final List<ConfigurableApplicationContext> SERVICES = new ArrayList<>();
    static ScramKafka kafka;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startClusterAndServices() throws Exception {
        kafka = ScramKafka.start();
        SharedInfra.Database db = SharedInfra.newDatabase("chat_over_sasl");
        List<String> database = List.of(
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password());
        start(
                ProjectionsApplication.application(),
                database,
                "--server.port=0",
                "--donna.projections.poll-timeout=100ms");
        start(
                AbuseDetectorApplication.application(),
                List.of(),
                "--server.port=0",
                "--donna.abuse.state-dir=" + SharedInfra.scratchDir("abuse-state"));
        start(
                ChatProcessorApplication.application(),
                List.of(),
                "--server.port=0",
                "--donna.chat.llm.base-url=" + OPEN_AI.baseUrl(),
                "--donna.chat.llm.api-key=sk-stand-in",
                "--donna.chat.llm.model=gpt-test",
                "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"));
        start(
                IngressApplication.application(),
                database,
                "--server.port=" + PORT,
                "--donna.dev.token-issuer.enabled=true",
                "--donna.security.jwt.issuer-uri=http://127.0.0.1:" + PORT + "/dev",
                "--donna.security.jwt.audiences=donna-api");
    }

    private static void start(SpringApplicationBuilder service, List<String> database, String... args) {
        List<String> all = new ArrayList<>(kafka.springArguments());
        all.addAll(database);
        all.addAll(List.of(args));
        SERVICES.add(service.run(all.toArray(String[]::new)));
    }

    @AfterAll
    static void stopServicesThenCluster() {
        SERVICES.reversed().forEach(ConfigurableApplicationContext::close);
        OPEN_AI.close();
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aMessageIsScreenedAnsweredStreamedAndKeptOverSasl() throws Exception {
        String token = token("sasl-user");
        UUID session = UUID.fromString(
                JSON.readTree(send(token, "POST", "/api/chat/sessions", null).body())
                        .get("sessionId")
                        .asString());
        SseReader stream = SseReader.open(http, uri("/api/chat/sessions/" + session + "/stream"), token, null);

        HttpResponse<String> posted = send(
                token, "POST", "/api/chat/sessions/" + session + "/messages", "{\"text\":\"Are you open today?\"}");

        assertThat(posted.statusCode()).isEqualTo(202);
        List<SseReader.Event> events = stream.until(e -> e.name().equals("reply"));
        stream.close();
        // the model's three fragments come at once: the first goes at once, the rest joined into one or two
        assertThat(events).filteredOn(e -> e.name().equals("delta")).hasSizeBetween(2, 3);
        assertThat(JSON.readTree(events.getLast().data()).get("text").asString())
                .isEqualTo("Yes, we are open.");
        JsonNode history = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> readHistory(token, session),
                        h -> h != null && h.get("messages").size() == 2);
        assertThat(history.get("messages").get(0).get("verdict").asString()).isEqualTo("ALLOW");
        assertThat(history.get("messages").get(1).get("text").asString()).isEqualTo("Yes, we are open.");
    }

    @Test
    void chatProcessorDeadLettersWhatItCannotDecodeOverSasl() throws Exception {
        byte[] poison = ("not an event " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHAT_SCREENED.name(), "poison".getBytes(), poison))
                    .get(30, TimeUnit.SECONDS);
        }

        var config = kafka.clientProperties();
        config.put("group.id", "sasl-dlt-reader-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHAT_SCREENED.deadLetterName()));
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.stream().anyMatch(r -> Arrays.equals(r.value(), poison));
            });
        }
    }

    private JsonNode readHistory(String token, UUID session) throws Exception {
        HttpResponse<String> response = send(token, "GET", "/api/chat/sessions/" + session + "/messages", null);
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    private String token(String user) throws Exception {
        var response = http.send(
                HttpRequest.newBuilder(uri("/dev/token?sub=" + user)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).get("access_token").asString();
    }

    private HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }
}
