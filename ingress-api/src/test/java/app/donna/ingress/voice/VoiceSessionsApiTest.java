package app.donna.ingress.voice;

import static app.donna.projections.db.Tables.ACTIONS;
import static app.donna.projections.db.Tables.VOICE_RESPONSES;
import static app.donna.projections.db.Tables.VOICE_SESSIONS;
import static app.donna.projections.db.Tables.VOICE_TRANSCRIPTS;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.testing.InfraExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/voice/sessions[/{id}]} over the read model the projections write (rows put there by the
 * test, as the projector would): a caller's own calls, newest first and paged, one with its transcript and
 * actions, and nobody else's.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class VoiceSessionsApiTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(20));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
    }

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    DSLContext db;

    @Test
    void aCallerSeesTheirOwnCallsNewestFirstPageByPageAndOneWithItsTranscriptAndActions() throws Exception {
        String owner = "caller-" + UUID.randomUUID();
        List<UUID> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(call(owner, T0.plusSeconds(60L * i)));
        }
        UUID newest = calls.getLast();
        db.insertInto(VOICE_TRANSCRIPTS)
                .set(VOICE_TRANSCRIPTS.EVENT_ID, UUID.randomUUID())
                .set(VOICE_TRANSCRIPTS.VOICE_SESSION_ID, newest)
                .set(VOICE_TRANSCRIPTS.ITEM_ID, "item_1")
                .set(VOICE_TRANSCRIPTS.ROLE, "USER")
                .set(VOICE_TRANSCRIPTS.TEXT, "Please call me on [phone number]")
                .set(VOICE_TRANSCRIPTS.OCCURRED_AT, T0.plusSeconds(125))
                .execute();
        UUID action = UUID.randomUUID();
        db.insertInto(ACTIONS)
                .set(ACTIONS.ACTION_ID, action)
                .set(ACTIONS.USER_ID, owner)
                .set(ACTIONS.KIND, "secretary.take_message")
                .set(ACTIONS.INTEGRATION, "secretary")
                .set(ACTIONS.SOURCE, "VOICE")
                .set(ACTIONS.SOURCE_ID, newest.toString())
                .set(ACTIONS.PAYLOAD, "{}")
                .set(ACTIONS.STATUS, "delivered")
                .set(ACTIONS.ATTEMPTS, 1)
                .set(ACTIONS.REQUESTED_AT, T0.plusSeconds(130))
                .set(ACTIONS.UPDATED_AT, T0.plusSeconds(131))
                .execute();
        String token = issuer.mint(owner);

        JsonNode first = body(API.get(token, "/api/voice/sessions?limit=2"), 200);
        assertThat(ids(first)).containsExactly(calls.get(2), calls.get(1));
        assertThat(first.at("/sessions/0/durationMs").asLong()).isEqualTo(42_000);
        assertThat(first.at("/sessions/0/endReason").asString()).isEqualTo("CLIENT_CLOSED");
        assertThat(first.at("/sessions/0/inputTokens").asLong()).isEqualTo(100);
        assertThat(first.at("/sessions/0/outputTokens").asLong()).isEqualTo(200);
        assertThat(first.at("/sessions/0/responses").asInt()).isEqualTo(2);
        JsonNode second = body(
                API.get(
                        token,
                        "/api/voice/sessions?limit=2&cursor="
                                + first.get("nextCursor").asString()),
                200);
        assertThat(ids(second)).containsExactly(calls.get(0));
        assertThat(second.get("nextCursor").isNull()).isTrue();

        JsonNode detail = body(API.get(token, "/api/voice/sessions/" + newest), 200);
        assertThat(detail.at("/call/voiceSessionId").asString()).isEqualTo(newest.toString());
        assertThat(detail.at("/transcript/0/text").asString()).isEqualTo("Please call me on [phone number]");
        assertThat(detail.at("/actions/0/kind").asString()).isEqualTo("secretary.take_message");
        assertThat(detail.at("/actions/0/status").asString()).isEqualTo("delivered");
    }

    @Test
    void anotherCallersCallIsNotFoundAndBadInputIsRefused() throws Exception {
        UUID call = call("owner-" + UUID.randomUUID(), T0);
        String stranger = issuer.mint("stranger-" + UUID.randomUUID());

        assertThat(API.get(stranger, "/api/voice/sessions/" + call).statusCode())
                .isEqualTo(404);
        assertThat(ids(body(API.get(stranger, "/api/voice/sessions"), 200))).isEmpty();
        assertThat(API.get(stranger, "/api/voice/sessions?cursor=bm90LWEtY3Vyc29y")
                        .statusCode())
                .isEqualTo(400);
        assertThat(API.get(stranger, "/api/voice/sessions?limit=0").statusCode())
                .isEqualTo(400);
        assertThat(API.get(stranger, "/api/voice/sessions/not-a-uuid").statusCode())
                .isEqualTo(400);
        assertThat(API.get("", "/api/voice/sessions").statusCode()).isEqualTo(401);
    }

    private UUID call(String owner, Instant startedAt) {
        UUID id = UUID.randomUUID();
        db.insertInto(VOICE_SESSIONS)
                .set(VOICE_SESSIONS.VOICE_SESSION_ID, id)
                .set(VOICE_SESSIONS.USER_ID, owner)
                .set(VOICE_SESSIONS.MODEL, "gpt-realtime")
                .set(VOICE_SESSIONS.TRANSPORT, "WEBSOCKET")
                .set(VOICE_SESSIONS.STARTED_AT, startedAt)
                .set(VOICE_SESSIONS.ENDED_AT, startedAt.plusSeconds(42))
                .set(VOICE_SESSIONS.DURATION_MS, 42_000L)
                .set(VOICE_SESSIONS.END_REASON, "CLIENT_CLOSED")
                .execute();
        for (int i = 0; i < 2; i++) {
            db.insertInto(VOICE_RESPONSES)
                    .set(VOICE_RESPONSES.EVENT_ID, UUID.randomUUID())
                    .set(VOICE_RESPONSES.VOICE_SESSION_ID, id)
                    .set(VOICE_RESPONSES.RESPONSE_ID, "resp_" + i)
                    .set(VOICE_RESPONSES.INPUT_TOKENS, 50)
                    .set(VOICE_RESPONSES.OUTPUT_TOKENS, 100)
                    .set(VOICE_RESPONSES.OCCURRED_AT, startedAt.plusSeconds(10 + i))
                    .execute();
        }
        return id;
    }

    private static JsonNode body(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private static List<UUID> ids(JsonNode page) {
        List<UUID> ids = new ArrayList<>();
        page.get("sessions")
                .forEach(s -> ids.add(UUID.fromString(s.get("voiceSessionId").asString())));
        return ids;
    }
}
