package app.donna.ingress.voice;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.actions.ActionRequested;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.events.voice.VoiceTransport;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.TopicReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The direct (WebRTC) path's reports, {@code POST /api/voice/events}, and the internal fan-out,
 * {@code POST /api/voice/fanout}: only the session a caller's voice token gave them, validated per type,
 * redacted, rate-limited, on {@code donna.voice.events}; fan-out for the internal secret alone.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class VoiceEventsApiTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(20));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final EventCodec CODEC = EventCodec.bundled();
    static final StandInOpenAi OPEN_AI = new StandInOpenAi();
    static final String INTERNAL_SECRET = "internal-" + UUID.randomUUID();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
        registry.add("donna.security.internal-secret", () -> INTERNAL_SECRET);
        registry.add("donna.voice.api-key", () -> "sk-server");
        registry.add("donna.voice.base-url", OPEN_AI::baseUrl);
        registry.add("donna.voice.user-tokens-burst", () -> "1000");
        registry.add("donna.voice.events-burst", () -> "8");
        registry.add("donna.voice.events-per-minute", () -> "1");
        registry.add("donna.voice.max-transcript-chars", () -> "200");
    }

    @AfterAll
    static void stopStandIn() {
        OPEN_AI.close();
    }

    @Autowired
    DevTokenIssuer issuer;

    @Test
    void aDirectCallsReportsBecomeItsRedactedTrail(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String token = issuer.mint("wren");
        UUID call = voiceSession(token);

        assertThat(report(token, "{\"voiceSessionId\":\"" + call + "\",\"type\":\"session.started\"}")
                        .statusCode())
                .isEqualTo(202);
        HttpResponse<String> said = report(
                token,
                "{\"voiceSessionId\":\"" + call + "\",\"type\":\"transcript\",\"itemId\":\"item_1\",\"role\":\"user\","
                        + "\"text\":\"My card is 4242 4242 4242 4242, write to wren@example.com\"}");
        assertThat(said.statusCode()).isEqualTo(202);
        // the client's retry is the same event
        HttpResponse<String> again = report(
                token,
                "{\"voiceSessionId\":\"" + call + "\",\"type\":\"transcript\",\"itemId\":\"item_1\",\"role\":\"user\","
                        + "\"text\":\"My card is 4242 4242 4242 4242, write to wren@example.com\"}");
        assertThat(JSON.readTree(again.body()).get("eventId"))
                .isEqualTo(JSON.readTree(said.body()).get("eventId"));
        assertThat(report(
                                token,
                                "{\"voiceSessionId\":\"" + call
                                        + "\",\"type\":\"session.ended\",\"reason\":\"client_closed\",\"durationMs\":61000}")
                        .statusCode())
                .isEqualTo(202);

        List<SpecificRecordBase> trail = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.VOICE_EVENTS.name(),
                        r -> call.toString().equals(new String(r.key(), StandardCharsets.UTF_8)),
                        4,
                        Duration.ofSeconds(20))
                .stream()
                .map(r -> CODEC.decode(r.value()))
                .toList();
        assertThat(trail.getFirst()).isInstanceOfSatisfying(VoiceSessionStarted.class, s -> {
            assertThat(s.getTransport()).isEqualTo(VoiceTransport.WEBRTC);
            assertThat(s.getUserId()).isEqualTo("wren");
        });
        assertThat(trail.get(1)).isInstanceOfSatisfying(VoiceTranscript.class, t -> {
            assertThat(t.getRole()).isEqualTo(SpeakerRole.USER);
            assertThat(t.getText()).isEqualTo("My card is [card number ending 4242], write to [email address]");
        });
        assertThat(trail.getLast()).isInstanceOf(VoiceSessionEnded.class);
    }

    @Test
    void onlyTheCallersOwnSessionWellFormedEventsAndAFewAtATime() throws Exception {
        String token = issuer.mint("rhea");
        UUID call = voiceSession(token);

        assertThat(report(issuer.mint("mallory"), "{\"voiceSessionId\":\"" + call + "\",\"type\":\"session.started\"}")
                        .statusCode())
                .as("another caller's session")
                .isEqualTo(404);
        assertThat(report(token, "{\"voiceSessionId\":\"" + UUID.randomUUID() + "\",\"type\":\"session.started\"}")
                        .statusCode())
                .as("a session nobody was given")
                .isEqualTo(404);
        assertThat(report(token, "{\"voiceSessionId\":\"" + call + "\",\"type\":\"audio\"}")
                        .statusCode())
                .isEqualTo(400);
        HttpResponse<String> noText = report(
                token,
                "{\"voiceSessionId\":\"" + call + "\",\"type\":\"transcript\",\"itemId\":\"i\",\"role\":\"user\"}");
        assertThat(noText.statusCode()).isEqualTo(400);
        assertThat(noText.body()).contains("text");
        HttpResponse<String> tooLong = report(
                token,
                "{\"voiceSessionId\":\"" + call
                        + "\",\"type\":\"transcript\",\"itemId\":\"i\",\"role\":\"user\",\"text\":\"" + "x".repeat(201)
                        + "\"}");
        assertThat(tooLong.statusCode()).isEqualTo(400);

        int status = 0;
        for (int i = 0; i < 12 && status != 429; i++) {
            status = report(token, "{\"voiceSessionId\":\"" + call + "\",\"type\":\"session.started\"}")
                    .statusCode();
        }
        assertThat(status).as("8 at once, then one a minute").isEqualTo(429);
    }

    @Test
    void fanOutIsForTheInternalSecretAloneAndBecomesAnAction(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String body = "{\"userId\":\"salon-owner\",\"kind\":\"sales.lead\",\"payload\":{\"name\":\"Ada\"},"
                + "\"idempotencyKey\":\"lead-42\"}";

        assertThat(fanout(body, null, "Bearer " + issuer.mint("vera")).statusCode())
                .as("a person's token")
                .isEqualTo(403);
        assertThat(fanout(body, null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> accepted = fanout(body, INTERNAL_SECRET, null);
        assertThat(accepted.statusCode()).isEqualTo(202);
        String actionId = JSON.readTree(accepted.body()).get("actionId").asString();
        assertThat(JSON.readTree(fanout(body, INTERNAL_SECRET, null).body())
                        .get("actionId")
                        .asString())
                .as("the same idempotency key, the same action")
                .isEqualTo(actionId);

        ActionRequested action = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.ACTIONS.name(),
                        r -> CODEC.decode(r.value()) instanceof ActionRequested a
                                && a.getActionId().toString().equals(actionId),
                        Duration.ofSeconds(20))
                .stream()
                .map(r -> (ActionRequested) CODEC.decode(r.value()))
                .findFirst()
                .orElseThrow();
        assertThat(action.getKind()).isEqualTo("sales.lead");
        assertThat(action.getIntegration()).isEqualTo("sales");
        assertThat(JSON.readTree(action.getPayloadJson()).get("name").asString())
                .isEqualTo("Ada");
        assertThat(fanout("{\"userId\":\"x\",\"kind\":\"no-dot\",\"payload\":{}}", INTERNAL_SECRET, null)
                        .statusCode())
                .isEqualTo(400);
    }

    private static UUID voiceSession(String token) throws Exception {
        HttpResponse<String> minted = API.send(API.request("/api/realtime/token", token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(minted.body());
        return UUID.fromString(body.get("voiceSessionId").asString());
    }

    private static HttpResponse<String> report(String token, String json) throws Exception {
        return API.send(API.request("/api/voice/events", token)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    private static HttpResponse<String> fanout(String json, String secret, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(API.uri("/api/voice/fanout"))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (secret != null) {
            request.header("X-Internal-Secret", secret);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return API.send(request.build());
    }
}
