package app.donna.ingress.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalPorts;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.SseReader;
import app.donna.testing.TopicReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * ingress-api alone against the real broker and PostgreSQL, as hostile and unlucky clients use it: users
 * racing for one new session id, a user posing as a visitor, text the store cannot hold, retries of one
 * message, cursors nobody issued.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class ChatApiTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(10));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final EventCodec CODEC = EventCodec.bundled();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.security.anonymous.secret", () -> "a-test-secret-of-at-least-32-bytes!!");
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
    }

    @Autowired
    DevTokenIssuer issuer;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void ofTwoUsersRacingForANewSessionIdOnlyOneEverGetsIn() throws Exception {
        String alice = issuer.mint("race-alice");
        String bob = issuer.mint("race-bob");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                UUID session = UUID.randomUUID();
                CyclicBarrier together = new CyclicBarrier(2);
                CompletableFuture<HttpResponse<String>> a = CompletableFuture.supplyAsync(
                        () -> postAfter(together, alice, session, "{\"text\":\"mine: alice\"}"), pool);
                CompletableFuture<HttpResponse<String>> b = CompletableFuture.supplyAsync(
                        () -> postAfter(together, bob, session, "{\"text\":\"mine: bob\"}"), pool);
                List<Integer> statuses = List.of(a.join().statusCode(), b.join().statusCode());

                assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(202, 404);
                String winner = a.join().statusCode() == 202 ? alice : bob;
                String loser = winner.equals(alice) ? bob : alice;
                assertThat(get(winner, session, "/messages").statusCode()).isEqualTo(200);
                assertThat(get(loser, session, "/messages").statusCode()).isEqualTo(404);
                assertThat(get(loser, session, "/stream").statusCode()).isEqualTo(404);
                assertThat(API.postMessage(loser, session, "{\"text\":\"let me in\"}")
                                .statusCode())
                        .isEqualTo(404);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSessionIsItsOwnersTheMomentItIsOpenedBeforeAnyProjector() throws Exception {
        String carol = issuer.mint("carol");
        HttpResponse<String> opened = http.send(
                API.request("/api/chat/sessions", carol)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        UUID session =
                UUID.fromString(JSON.readTree(opened.body()).get("sessionId").asString());

        // no projector runs in this test: ownership does not wait for the read model
        assertThat(get(carol, session, "/messages").statusCode()).isEqualTo(200);
        assertThat(get(issuer.mint("dave"), session, "/messages").statusCode()).isEqualTo(404);
        assertThat(API.postMessage(issuer.mint("dave"), session, "{\"text\":\"hi\"}")
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void aUserWhoseSubjectLooksLikeAVisitorIsNotThatVisitor() throws Exception {
        HttpResponse<String> opened = http.send(
                HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(opened.body());
        UUID session = UUID.fromString(body.get("sessionId").asString());
        String visitor = body.get("token").asString();
        String impostor = issuer.mint("anon:" + session);

        assertThat(API.postMessage(visitor, session, "{\"text\":\"hello\"}").statusCode())
                .isEqualTo(202);
        assertThat(API.postMessage(impostor, session, "{\"text\":\"me too\"}").statusCode())
                .isEqualTo(404);
        assertThat(get(impostor, session, "/messages").statusCode()).isEqualTo(404);
        assertThat(get(impostor, session, "/stream").statusCode()).isEqualTo(404);
        assertThat(get(visitor, session, "/messages").statusCode()).isEqualTo(200);
    }

    @Test
    void textTheStoreCannotHoldIsRefusedAtTheDoorAndNothingIsPublished() throws Exception {
        String erin = issuer.mint("erin");
        UUID session = UUID.randomUUID();
        List<String> bodies = List.of(
                "{\"text\":\"nul \\u0000 inside\"}",
                "{\"text\":\"lone \\ud800 surrogate\"}",
                "{\"text\":\"bell \\u0007\"}");
        for (String json : bodies) {
            HttpResponse<String> response = API.postMessage(erin, session, json);
            assertThat(response.statusCode()).as(json).isEqualTo(400);
            assertThat(response.body())
                    .contains("\"field\":\"text\"")
                    .doesNotContain("inside")
                    .doesNotContain("surrogate\"");
        }
        assertThat(get(erin, session, "/messages").statusCode())
                .as("not even claimed")
                .isEqualTo(404);
        HttpResponse<String> fine =
                API.postMessage(erin, session, "{\"text\":\"tabs\\tand\\nlines are fine, and emoji \\ud83d\\ude00\"}");
        assertThat(fine.statusCode()).isEqualTo(202);
    }

    @Test
    void retriesWithOneClientMessageIdAreOneMessage() throws Exception {
        String frank = issuer.mint("frank-retries");
        UUID session = UUID.randomUUID();
        String json = "{\"text\":\"book me in\",\"clientMessageId\":\"c-123\"}";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = API.postMessage(frank, session, json);
            assertThat(response.statusCode()).isEqualTo(202);
            ids.add(JSON.readTree(response.body()).get("messageId").asString());
        }
        String other = JSON.readTree(
                        API.postMessage(frank, session, "{\"text\":\"another\",\"clientMessageId\":\"c-124\"}")
                                .body())
                .get("messageId")
                .asString();

        assertThat(ids).containsOnly(ids.getFirst());
        assertThat(other).isNotEqualTo(ids.getFirst());
        List<ChatMessageSubmitted> copies = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.CHAT_INBOUND.name(),
                        r -> CODEC.decode(r.value()) instanceof ChatMessageSubmitted m
                                && m.getMessageId().toString().equals(ids.getFirst()),
                        3,
                        Duration.ofSeconds(30))
                .stream()
                .map(r -> (ChatMessageSubmitted) CODEC.decode(r.value()))
                .toList();
        assertThat(copies)
                .extracting(ChatMessageSubmitted::getEventId)
                .as("one event, three copies")
                .hasSize(3)
                .containsOnly(copies.getFirst().getEventId());
    }

    @Test
    void cursorsNobodyIssuedAreA400NotA500() throws Exception {
        String gina = issuer.mint("gina");
        UUID session = UUID.randomUUID();
        assertThat(API.postMessage(gina, session, "{\"text\":\"hi\"}").statusCode())
                .isEqualTo(202);
        String notATime = java.util.Base64.getUrlEncoder().encodeToString("yesterday|x".getBytes());
        String notAUuid = java.util.Base64.getUrlEncoder().encodeToString("2026-01-01T00:00:00Z|x".getBytes());
        for (String cursor : List.of(notATime, notAUuid, "%25%25%25", "AAAA")) {
            HttpResponse<String> history = get(gina, session, "/messages?cursor=" + cursor);
            HttpResponse<String> list = http.send(
                    API.request("/api/chat/sessions?cursor=" + cursor, gina)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(history.statusCode()).as(cursor).isEqualTo(400);
            assertThat(list.statusCode()).as(cursor).isEqualTo(400);
            assertThat(history.body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        HttpResponse<String> tooMany = get(gina, session, "/messages?limit=201");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("\"field\":\"limit\"").contains("200");
    }

    @Test
    void lastEventIdsNamingNoPartitionOfTheSessionHoldNothingAndLeakNothing() throws Exception {
        String hana = issuer.mint("hana");
        UUID session = UUID.randomUUID();
        assertThat(API.postMessage(hana, session, "{\"text\":\"hi\"}").statusCode())
                .isEqualTo(202);
        long handlesBefore = openFileHandles();

        for (int i = 0; i < 20; i++) {
            String forged = List.of(
                            "999:5",
                            "65535:0",
                            "1:9223372036854775807",
                            "0:99999999999999999999",
                            "999:0:0",
                            "0:9223372036854775807:9223372036854775807")
                    .get(i % 6);
            try (SseReader stream =
                    SseReader.open(http, API.uri("/api/chat/sessions/" + session + "/stream"), hana, forged)) {
                assertThat(stream).isNotNull();
            }
        }
        try (SseReader stream =
                SseReader.open(http, API.uri("/api/chat/sessions/" + session + "/stream"), hana, "999:0")) {
            publishReply(session, "live, not withheld");
            // a forged id once held the stream for the consumer's 60 s timeout before anything live came
            List<SseReader.Event> events = stream.until(e -> e.name().equals("reply"), Duration.ofSeconds(20));
            assertThat(events.getLast().data()).contains("live, not withheld");
        }

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(openFileHandles())
                        .as("file handles after 21 streams")
                        .isLessThan(handlesBefore + 15));
    }

    /**
     * A browser still holding an event id of the older form ({@code <partition>:<offset>} of the last reply
     * it got, from before fragments had their own topic) resumes after that reply, not from the start.
     */
    @Test
    void anEventIdOfTheOlderFormStillResumesAfterItsReply() throws Exception {
        String iris = issuer.mint("iris");
        UUID session = UUID.randomUUID();
        assertThat(API.postMessage(iris, session, "{\"text\":\"hi\"}").statusCode())
                .isEqualTo(202);
        String seen;
        try (SseReader stream =
                SseReader.open(http, API.uri("/api/chat/sessions/" + session + "/stream"), iris, null)) {
            publishReply(session, "the one you saw");
            SseReader.Event reply = stream.until(e -> e.name().equals("reply"), Duration.ofSeconds(20))
                    .getLast();
            String[] id = reply.id().split(":");
            assertThat(id)
                    .as("partition, next reply offset, next fragment offset")
                    .hasSize(3);
            seen = id[0] + ":" + (Long.parseLong(id[1]) - 1);
        }
        publishReply(session, "the one you missed");
        try (SseReader resumed =
                SseReader.open(http, API.uri("/api/chat/sessions/" + session + "/stream"), iris, seen)) {
            List<SseReader.Event> events = resumed.until(e -> e.name().equals("reply"), Duration.ofSeconds(20));
            assertThat(events)
                    .singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("the one you missed"));
        }
    }

    @Test
    void aBrowserOpensItsStreamWithASingleUseTicketNotAToken() throws Exception {
        // as the widget does: an anonymous session, its visitor token for POSTs, a ticket for EventSource
        HttpResponse<String> opened = http.send(
                HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(opened.body());
        UUID session = UUID.fromString(body.get("sessionId").asString());
        String visitor = body.get("token").asString();
        HttpResponse<String> issued = http.send(
                API.request("/api/chat/sessions/" + session + "/stream-tickets", visitor)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(issued.statusCode()).isEqualTo(201);
        assertThat(issued.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode ticket = JSON.readTree(issued.body());
        String streamUrl = ticket.get("streamUrl").asString();
        assertThat(ticket.get("expiresIn").asInt()).isBetween(1, 300);

        try (SseReader stream = SseReader.open(http, API.uri(streamUrl), null, null)) {
            publishReply(session, "hello from the ticketed stream");
            assertThat(stream.until(e -> e.name().equals("reply"), Duration.ofSeconds(20))
                            .getLast()
                            .data())
                    .contains("hello from the ticketed stream");
        }

        HttpResponse<String> reused = http.send(
                HttpRequest.newBuilder(API.uri(streamUrl))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reused.statusCode()).as("a ticket opens one stream").isEqualTo(401);
        HttpResponse<String> neither = http.send(
                HttpRequest.newBuilder(API.uri("/api/chat/sessions/" + session + "/stream"))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(neither.statusCode()).isEqualTo(401);
    }

    @Test
    void aTicketIsForItsOwnersSessionOnly() throws Exception {
        String ivan = issuer.mint("ivan");
        String judy = issuer.mint("judy");
        UUID ivans = UUID.randomUUID();
        UUID judys = UUID.randomUUID();
        assertThat(API.postMessage(ivan, ivans, "{\"text\":\"hi\"}").statusCode())
                .isEqualTo(202);
        assertThat(API.postMessage(judy, judys, "{\"text\":\"hi\"}").statusCode())
                .isEqualTo(202);

        HttpResponse<String> forOthers = http.send(
                API.request("/api/chat/sessions/" + judys + "/stream-tickets", ivan)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forOthers.statusCode()).isEqualTo(404);

        String ivansTicket = JSON.readTree(http.send(
                                API.request("/api/chat/sessions/" + ivans + "/stream-tickets", ivan)
                                        .POST(HttpRequest.BodyPublishers.noBody())
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .get("ticket")
                .asString();
        HttpResponse<String> elsewhere = http.send(
                HttpRequest.newBuilder(API.uri("/api/chat/sessions/" + judys + "/stream?ticket=" + ivansTicket))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode())
                .as("a ticket for one session opens no other")
                .isEqualTo(401);
        HttpResponse<String> forged = http.send(
                HttpRequest.newBuilder(
                                API.uri("/api/chat/sessions/" + ivans + "/stream?ticket=forged-" + UUID.randomUUID()))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(401);
    }

    // ---- helpers

    static long openFileHandles() throws java.io.IOException {
        try (var handles = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return handles.count();
        }
    }

    static void publishReply(UUID session, String text) throws Exception {
        var reply = app.donna.events.chat.ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(java.time.Instant.now())
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("test")
                .setText(text)
                .setDecision(app.donna.events.common.Decision.ALLOW)
                .build();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                java.util.Map.<String, Object>of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            Topics.CHAT_REPLIES.name(), session.toString(), CODEC.encode(reply)))
                    .get();
        }
    }

    HttpResponse<String> postAfter(CyclicBarrier barrier, String token, UUID session, String json) {
        try {
            barrier.await();
            return API.postMessage(token, session, json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String token, UUID session, String path) throws Exception {
        return API.get(token, "/api/chat/sessions/" + session + path);
    }
}
