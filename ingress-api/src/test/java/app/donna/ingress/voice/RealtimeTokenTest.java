package app.donna.ingress.voice;

import static app.donna.projections.db.Tables.ABUSE_FLAGS;
import static app.donna.projections.db.Tables.VOICE_SESSIONS;
import static app.donna.projections.db.Tables.WORKSPACES;
import static app.donna.projections.db.Tables.WORKSPACE_MEMBERS;
import static app.donna.projections.db.Tables.WORKSPACE_PERSONAS;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jooq.DSLContext;
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
 * {@code POST /api/realtime/token} against a stand-in OpenAI server that speaks the client-secrets API to
 * the real openai-java client: the secret carries the session the server pins, lives no longer than
 * configured, and the server's key is never in a response; upstream failures, slowness and floods become
 * problems a caller can act on.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class RealtimeTokenTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(20));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final StandInOpenAi OPEN_AI = new StandInOpenAi();
    static final String SERVER_KEY = "sk-server-" + UUID.randomUUID();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.security.anonymous.secret", () -> "a-test-secret-of-at-least-32-bytes!!");
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
        // visitors open sessions here from 127.0.0.1 as in other test classes: limits counted in this
        // context's memory, so they use up no other class's shared per-address budget
        registry.add("donna.rate-limit.shared", () -> "false");
        registry.add("donna.voice.api-key", () -> SERVER_KEY);
        registry.add("donna.voice.base-url", OPEN_AI::baseUrl);
        registry.add("donna.voice.timeout", () -> "2s");
        registry.add("donna.voice.user-tokens-burst", () -> "1000");
        registry.add("donna.voice.visitor-tokens-burst", () -> "2");
        registry.add("donna.voice.visitor-tokens-per-minute", () -> "1");
    }

    @AfterAll
    static void stopStandIn() {
        OPEN_AI.close();
    }

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    DSLContext db;

    @Test
    void aSignedInUserGetsASecretForTheSessionTheServerPinsAndNeverTheServersKey() throws Exception {
        int before = OPEN_AI.clientSecretRequests().size();

        HttpResponse<String> response = mint(issuer.mint("vera"), null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode token = JSON.readTree(response.body());
        assertThat(token.get("clientSecret").asString()).startsWith("ek_");
        assertThat(token.get("model").asString()).isEqualTo("gpt-realtime");
        assertThat(token.get("expiresIn").asLong()).isBetween(290L, 300L);
        assertThat(response.body()).doesNotContain(SERVER_KEY);

        StandInOpenAi.SecretRequest asked = OPEN_AI.clientSecretRequests().get(before);
        assertThat(asked.authorization()).isEqualTo("Bearer " + SERVER_KEY);
        JsonNode request = JSON.readTree(asked.body());
        assertThat(request.at("/expires_after/seconds").asLong())
                .as("the configured 5 minutes")
                .isEqualTo(300);
        JsonNode session = request.get("session");
        assertThat(session.get("type").asString()).isEqualTo("realtime");
        assertThat(session.get("model").asString()).isEqualTo("gpt-realtime");
        assertThat(session.get("instructions").asString())
                .contains("Donna Demo Salon")
                .contains("live voice call");
        assertThat(session.at("/audio/output/voice").asString()).isEqualTo("alloy");
        assertThat(session.at("/audio/input/turn_detection/type").asString()).isEqualTo("server_vad");
        assertThat(session.at("/audio/input/transcription/model").asString()).isEqualTo("gpt-4o-mini-transcribe");
        java.util.List<String> tools = new java.util.ArrayList<>();
        session.get("tools").forEach(tool -> tools.add(tool.get("name").asString()));
        assertThat(tools).containsExactlyInAnyOrder("take_message", "request_booking", "transfer_to_human");
    }

    @Test
    void aCallerBlockedByModerationGetsNoTokenUntilTheSanctionEnds() throws Exception {
        String blocked = "blocked-" + UUID.randomUUID();
        String flaggedLongAgo = "long-ago-" + UUID.randomUUID();
        String onlyFlagged = "flagged-" + UUID.randomUUID();
        Instant now = Instant.now();
        flag(blocked, "BLOCK", now.minus(Duration.ofMinutes(10)));
        flag(flaggedLongAgo, "BLOCK", now.minus(Duration.ofHours(2)));
        flag(onlyFlagged, "FLAG", now.minus(Duration.ofMinutes(1)));
        int before = OPEN_AI.clientSecretRequests().size();

        HttpResponse<String> refused = mint(issuer.mint(blocked), null);

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(refused.body()).get("type").asString()).endsWith("voice-refused");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .as("the hour's sanction, ten minutes in")
                .isBetween(2_940L, 3_000L);
        assertThat(OPEN_AI.clientSecretRequests()).as("nothing minted").hasSize(before);
        assertThat(mint(issuer.mint(flaggedLongAgo), null).statusCode())
                .as("the sanction is over")
                .isEqualTo(200);
        assertThat(mint(issuer.mint(onlyFlagged), null).statusCode())
                .as("FLAG is not BLOCK")
                .isEqualTo(200);
    }

    private void flag(String userId, String decision, Instant at) {
        db.insertInto(ABUSE_FLAGS)
                .set(ABUSE_FLAGS.FLAG_ID, UUID.randomUUID())
                .set(ABUSE_FLAGS.USER_ID, userId)
                .set(ABUSE_FLAGS.ANONYMOUS, false)
                .set(ABUSE_FLAGS.SOURCE, "CHAT")
                .set(ABUSE_FLAGS.SESSION_ID, UUID.randomUUID().toString())
                .set(ABUSE_FLAGS.DECISION, decision)
                .set(ABUSE_FLAGS.CATEGORIES, "THREAT")
                .set(ABUSE_FLAGS.REASONS, "a test")
                .set(ABUSE_FLAGS.TRIGGERING_EVENT_ID, UUID.randomUUID())
                .set(ABUSE_FLAGS.OCCURRED_AT, at)
                .execute();
    }

    @Test
    void aCallerMayAskForAShorterLifeButNeverALongerOne() throws Exception {
        String wanda = issuer.mint("wanda");

        assertThat(mint(wanda, "{\"expiresInSeconds\":60}").statusCode()).isEqualTo(200);
        assertThat(lastAskedSeconds()).isEqualTo(60);

        HttpResponse<String> longer = mint(wanda, "{\"expiresInSeconds\":7200}");
        assertThat(longer.statusCode()).isEqualTo(200);
        assertThat(lastAskedSeconds()).as("capped at the configured 5 minutes").isEqualTo(300);
        assertThat(JSON.readTree(longer.body()).get("expiresIn").asLong()).isLessThanOrEqualTo(300);

        HttpResponse<String> tooShort = mint(wanda, "{\"expiresInSeconds\":5}");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(tooShort.body()).contains("expiresInSeconds");
        HttpResponse<String> notJson = mint(wanda, "{\"expiresInSeconds\":\"soon\"");
        assertThat(notJson.statusCode()).isEqualTo(400);
    }

    @Test
    void upstreamFailuresBusyAndSlownessBecomeProblemsWithoutTheKey() throws Exception {
        String xena = issuer.mint("xena");

        OPEN_AI.thenForClientSecrets(StandInOpenAi.fail(500));
        HttpResponse<String> failed = mint(xena, null);
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.body()).contains("voice-unavailable").doesNotContain(SERVER_KEY);

        OPEN_AI.thenForClientSecrets(StandInOpenAi.fail(401));
        HttpResponse<String> refused = mint(xena, null);
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(refused.body()).doesNotContain(SERVER_KEY).doesNotContain("stand-in failure");

        OPEN_AI.thenForClientSecrets(StandInOpenAi.fail(429, 1));
        HttpResponse<String> busy = mint(xena, null);
        assertThat(busy.statusCode()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).isPresent();
        assertThat(busy.body()).contains("voice-busy");

        // slower than the configured 2 s: the caller hears so, rather than waiting for OpenAI
        OPEN_AI.thenForClientSecrets(StandInOpenAi.hang());
        HttpResponse<String> slow = mint(xena, null);
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("voice-timeout");

        assertThat(mint(xena, null).statusCode())
                .as("and the next one is minted")
                .isEqualTo(200);
    }

    @Test
    void withoutATokenNothingIsMintedAndAVisitorGetsFewer() throws Exception {
        int before = OPEN_AI.clientSecretRequests().size();
        HttpResponse<String> anonymous = API.send(HttpRequest.newBuilder(API.uri("/api/realtime/token"))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(mint("not-a-token", null).statusCode()).isEqualTo(401);
        assertThat(OPEN_AI.clientSecretRequests()).hasSize(before);

        // a website visitor, with the token their chat session gave them
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        String visitor = JSON.readTree(opened.body()).get("token").asString();
        assertThat(mint(visitor, null).statusCode()).isEqualTo(200);
        assertThat(mint(visitor, null).statusCode()).isEqualTo(200);
        HttpResponse<String> third = mint(visitor, null);
        assertThat(third.statusCode()).as("a visitor's burst is 2").isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).isPresent();
        // a signed-in user is not held back by the visitor's limit
        assertThat(mint(issuer.mint("yara"), null).statusCode()).isEqualTo(200);
    }

    @Test
    void aCallIsItsWorkspacesItsReceptionistSpeaksForItAndItsStaffReadIt() throws Exception {
        String run = UUID.randomUUID().toString();
        String ws = "ws-" + run;
        String staff = "vs-staff-" + run;
        Instant now = Instant.now();
        // the workspace as the projector keeps it: created, with a persona and a member of staff
        db.insertInto(WORKSPACES)
                .set(WORKSPACES.WORKSPACE_ID, ws)
                .set(WORKSPACES.NAME, "Chez Voice")
                .set(WORKSPACES.CREATED_BY, "vo-" + run)
                .set(WORKSPACES.CREATED_AT, now)
                .execute();
        db.insertInto(WORKSPACE_PERSONAS)
                .set(WORKSPACE_PERSONAS.WORKSPACE_ID, ws)
                .set(WORKSPACE_PERSONAS.BUSINESS_NAME, "Chez Voice " + run)
                .set(WORKSPACE_PERSONAS.HOURS, "nights only")
                .set(WORKSPACE_PERSONAS.SERVICES, "")
                .set(WORKSPACE_PERSONAS.TONE, "calm")
                .set(WORKSPACE_PERSONAS.INSTRUCTIONS, "")
                .set(WORKSPACE_PERSONAS.UPDATED_BY, "vo-" + run)
                .set(WORKSPACE_PERSONAS.UPDATED_AT, now)
                .execute();
        db.insertInto(WORKSPACE_MEMBERS)
                .set(WORKSPACE_MEMBERS.WORKSPACE_ID, ws)
                .set(WORKSPACE_MEMBERS.USER_ID, staff)
                .set(WORKSPACE_MEMBERS.ROLE, "STAFF")
                .set(WORKSPACE_MEMBERS.CHANGED_BY, "vo-" + run)
                .set(WORKSPACE_MEMBERS.CHANGED_AT, now)
                .execute();

        // a visitor of the workspace's website calls: the receptionist speaks for that business
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"workspaceId\":\"" + ws + "\"}"))
                .build());
        String visitor = JSON.readTree(opened.body()).get("token").asString();
        HttpResponse<String> minted = mint(visitor, null);
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(200);
        assertThat(JSON.readTree(OPEN_AI.clientSecretRequests().getLast().body())
                        .at("/session/instructions")
                        .asString())
                .contains("Chez Voice " + run)
                .contains("nights only")
                .doesNotContain("Donna Demo Salon");
        String call = JSON.readTree(minted.body()).get("voiceSessionId").asString();

        // the call's start, as the browser reports it, says whose call it is
        HttpResponse<String> started = API.send(API.request("/api/voice/events", visitor)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"voiceSessionId\":\"" + call + "\",\"type\":\"session.started\"}"))
                .build());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        VoiceSessionStarted event = (VoiceSessionStarted) EventCodec.bundled()
                .decode(TopicReader.readUntilFound(
                                SharedInfra.kafkaBootstrapServers(),
                                Topics.VOICE_EVENTS.name(),
                                r -> new String(r.key()).equals(call),
                                Duration.ofSeconds(10))
                        .getFirst()
                        .value());
        assertThat(event.getWorkspaceId()).isEqualTo(ws);

        // once projected, the workspace's staff read the call; another signed-in user does not
        db.insertInto(VOICE_SESSIONS)
                .set(VOICE_SESSIONS.VOICE_SESSION_ID, UUID.fromString(call))
                .set(VOICE_SESSIONS.USER_ID, event.getUserId())
                .set(VOICE_SESSIONS.MODEL, "gpt-realtime")
                .set(VOICE_SESSIONS.TRANSPORT, "WEBRTC")
                .set(VOICE_SESSIONS.STARTED_AT, now)
                .set(VOICE_SESSIONS.WORKSPACE_ID, ws)
                .execute();
        assertThat(API.get(issuer.mint(staff), "/api/voice/sessions/" + call).statusCode())
                .isEqualTo(200);
        assertThat(API.get(visitor, "/api/voice/sessions/" + call).statusCode()).isEqualTo(200);
        assertThat(API.get(issuer.mint("vx-" + run), "/api/voice/sessions/" + call)
                        .statusCode())
                .isEqualTo(404);
    }

    private HttpResponse<String> mint(String token, String body) throws Exception {
        return API.send(API.request("/api/realtime/token", token)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private long lastAskedSeconds() throws Exception {
        return JSON.readTree(OPEN_AI.clientSecretRequests().getLast().body())
                .at("/expires_after/seconds")
                .asLong();
    }
}
