package app.donna.cli.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.abuse.AbuseDetectorApplication;
import app.donna.chat.ChatProcessorApplication;
import app.donna.chat.webhook.WebhookSignature;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.localinfra.StandInRealtime;
import app.donna.projections.ProjectionsApplication;
import app.donna.testing.InfraExtension;
import app.donna.testing.RealtimeCaller;
import app.donna.testing.SharedInfra;
import app.donna.testing.WebhookReceiver;
import app.donna.voice.VoiceRelayApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A call through every service, on the real broker and PostgreSQL: a caller's WebSocket client talks to
 * voice-relay (its token from the dev issuer, over HTTP), which relays to a stand-in Realtime model; the
 * caller leaves a message, which chat-processor delivers, signed, to the business's webhook; then the
 * caller threatens the business, the abuse detector blocks the transcript and the relay ends the call
 * politely; projections writes the call, its redacted transcript and the delivered action, which
 * ingress-api shows the caller; and the business gets chat-processor's recap of the call.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class VoiceSliceEndToEndTest {

    static final int PORT = LocalPorts.free();
    static final int RELAY_PORT = LocalPorts.free();
    static final String SERVER_KEY = "sk-server-" + UUID.randomUUID();
    static final String SIGNING_SECRET = "a-webhook-secret-of-32-bytes-or-more";
    static final StandInRealtime MODEL = new StandInRealtime(SERVER_KEY)
            .answering("Certainly.")
            .whenHeard(
                    "leave a message",
                    "take_message",
                    "{\"caller_name\":\"Vic\",\"callback_number\":\"+1 555 0100 333\",\"message\":\"Please call back\"}");
    /** The business's webhook: keeps each delivery, and refuses those whose signature does not verify. */
    static final WebhookReceiver WEBHOOK = new WebhookReceiver(
            WebhookSignature.HEADER,
            (signature, body) -> WebhookSignature.verify(
                    SIGNING_SECRET.getBytes(StandardCharsets.UTF_8),
                    signature,
                    body,
                    Instant.now().getEpochSecond(),
                    300),
            (path, call, signed) -> signed ? 204 : 401);

    static final StandInOpenAi CHAT_MODEL = new StandInOpenAi();
    static ConfigurableApplicationContext projections;
    static ConfigurableApplicationContext abuseDetector;
    static ConfigurableApplicationContext chatProcessor;
    static ConfigurableApplicationContext voiceRelay;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("donna.dev.token-issuer.enabled", () -> "true");
        registry.add("donna.security.jwt.issuer-uri", () -> "http://127.0.0.1:" + PORT + "/dev");
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        registry.add("donna.rate-limit.per-user-burst", () -> "10000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "10000");
    }

    @BeforeAll
    static void startServices() {
        projections =
                ProjectionsApplication.application().run("--server.port=0", "--donna.projections.poll-timeout=100ms");
        abuseDetector = AbuseDetectorApplication.application()
                .run("--server.port=0", "--donna.abuse.state-dir=" + SharedInfra.scratchDir("abuse-state"));
        chatProcessor = ChatProcessorApplication.application()
                .run(
                        "--server.port=0",
                        "--donna.chat.llm.base-url=" + CHAT_MODEL.baseUrl(),
                        "--donna.chat.llm.api-key=sk-stand-in",
                        "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"),
                        "--donna.actions.signing-secret=" + SIGNING_SECRET,
                        "--donna.actions.allowed-addresses=127.0.0.1",
                        "--donna.actions.webhooks.secretary=" + WEBHOOK.url() + "/hooks");
        voiceRelay = VoiceRelayApplication.application()
                .run(
                        "--server.port=" + RELAY_PORT,
                        "--donna.security.jwt.issuer-uri=http://127.0.0.1:" + PORT + "/dev",
                        "--donna.voice.api-key=" + SERVER_KEY,
                        "--donna.voice.base-url=" + MODEL.baseUrl());
    }

    @AfterAll
    static void stopServices() {
        for (ConfigurableApplicationContext app : List.of(voiceRelay, chatProcessor, abuseDetector, projections)) {
            if (app != null) {
                app.close();
            }
        }
        MODEL.close();
        CHAT_MODEL.close();
        WEBHOOK.close();
    }

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aCallLeavesAMessageForTheBusinessIsEndedByModerationAndShowsUpInTheCallersHistory() throws Exception {
        String caller = "vic-" + UUID.randomUUID();
        String token = token(caller);
        URI relay = URI.create("ws://127.0.0.1:" + RELAY_PORT + "/v1/realtime?model=gpt-realtime");
        // the relay started before ingress-api, whose dev issuer it discovers: until it has, it answers 503
        RealtimeCaller connected = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> RealtimeCaller.serverClient(relay, token), java.util.Objects::nonNull);
        try (RealtimeCaller call = connected) {
            call.next("session.updated");
            call.say("Hello, I would like to leave a message, my number is 555 0100 333");
            call.next("response.function_call_arguments.done");
            call.next("response.done");
            call.next("response.done");

            // the business's webhook got the message, signed
            await().atMost(Duration.ofSeconds(30)).until(() -> !deliveries().isEmpty());
            JsonNode delivered = RealtimeCaller.JSON.readTree(deliveries().getFirst());
            assertThat(delivered.get("type").asString()).isEqualTo("secretary.take_message");
            assertThat(delivered.get("userId").asString()).isEqualTo(caller);
            assertThat(delivered.at("/payload/details/callback_number").asString())
                    .isEqualTo("+1 555 0100 333");

            // a threat: the abuse detector blocks it, and the relay ends the call
            call.say("If you do not call back I will burn down your shop");
            RealtimeCaller.Closed closed = call.awaitClose();
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("moderation");
        }

        JsonNode mine = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> get(token, "/api/voice/sessions"),
                        page -> page.get("sessions").size() == 1
                                && !page.at("/sessions/0/endReason").isNull());
        String id = mine.at("/sessions/0/voiceSessionId").asString();
        assertThat(mine.at("/sessions/0/endReason").asString()).isEqualTo("LIMIT_REACHED");
        JsonNode detail = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> get(token, "/api/voice/sessions/" + id),
                        d -> "delivered".equals(d.at("/actions/0/status").asString()));
        assertThat(detail.at("/actions/0/kind").asString()).isEqualTo("secretary.take_message");
        List<String> lines = new java.util.ArrayList<>();
        detail.get("transcript")
                .forEach(line -> lines.add(
                        line.get("role").asString() + ": " + line.get("text").asString()));
        assertThat(lines)
                .contains("USER: Hello, I would like to leave a message, my number is [phone number]")
                .contains("USER: If you do not call back I will burn down your shop");
        assertThat(get(token(caller + "-someone-else"), "/api/voice/sessions").get("sessions"))
                .isEmpty();

        // and after the call, the business got chat-processor's recap of it, written by the (stand-in) model
        await().atMost(Duration.ofSeconds(30))
                .until(() -> deliveries().stream().anyMatch(d -> d.contains("secretary.call_summary")));
        JsonNode recap = RealtimeCaller.JSON.readTree(deliveries().stream()
                .filter(d -> d.contains("secretary.call_summary"))
                .findFirst()
                .orElseThrow());
        assertThat(recap.at("/payload/voiceSessionId").asString()).isEqualTo(id);
        assertThat(recap.at("/payload/summarisedBy").asString()).isEqualTo("model");
        assertThat(recap.at("/payload/requestsPassedOn/0").asString()).isEqualTo("take_message");
    }

    private String token(String user) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/dev/token?sub=" + user))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return RealtimeCaller.JSON.readTree(response.body()).get("access_token").asString();
    }

    private JsonNode get(String token, String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return RealtimeCaller.JSON.readTree(response.body());
    }

    /** The bodies of the deliveries whose signature verified, oldest first. */
    static List<String> deliveries() {
        return WEBHOOK.deliveries().stream()
                .filter(WebhookReceiver.Delivery::signed)
                .map(WebhookReceiver.Delivery::body)
                .toList();
    }
}
