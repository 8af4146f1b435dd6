package app.donna.ingress.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.actions.ActionRequested;
import app.donna.events.actions.ActionStatus;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.TokenUsage;
import app.donna.events.common.Verdict;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.engine.ProjectedEvent;
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
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
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
 * The dashboards through ingress-api, on the real broker and PostgreSQL, with the dashboards projection
 * applied here as the projector would (no projector runs): each workspace's staff see its conversations
 * and requests and nothing of another's; an open stream gets the new figures when a batch commits; staff
 * move a request along by a command that is an event, and once it is projected the conversation is
 * handled; strangers, visitors and unknown dashboards are refused.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class DashboardsApiTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(10));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final EventCodec CODEC = EventCodec.bundled();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.security.anonymous.secret", () -> "a-test-secret-of-at-least-32-bytes!!");
        // visitors open sessions here from 127.0.0.1 as in other test classes: limits counted in memory
        registry.add("donna.rate-limit.shared", () -> "false");
        registry.add("donna.workspace.role-claim", () -> "org_role");
        registry.add("donna.workspace.id-claim", () -> "org_id");
    }

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    DSLContext db;

    @Test
    void staffSeeTheirWorkspacesFiguresLiveAndMoveRequestsAlong() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ours = "ws-a-" + run;
        String theirs = "ws-b-" + run;
        String staff = member("sam-" + run, "staff", ours);
        String rival = member("rex-" + run, "owner", theirs);

        UUID session = UUID.randomUUID();
        String visitor = "anon:" + session;
        ChatMessageScreened question = screened(ours, session, visitor, "Can someone call me back?");
        project(started(ours, session, visitor), question);
        project(answer(session, question, 1_500));
        project(started(theirs, UUID.randomUUID(), "anon:x-" + run));

        JsonNode inbox = json(API.get(staff, "/api/dashboards/inbox"), 200);
        assertThat(inbox.get("conversations")).hasSize(1);
        JsonNode row = inbox.get("conversations").get(0);
        assertThat(row.get("conversationId").asString()).isEqualTo("chat:" + session);
        assertThat(row.get("status").asString()).isEqualTo("open");
        assertThat(row.get("lastMessage").asString()).isEqualTo("Of course, we will.");
        assertThat(row.get("lastFrom").asString()).isEqualTo("assistant");
        assertThat(row.get("messages").asInt()).isEqualTo(2);
        assertThat(json(API.get(rival, "/api/dashboards/inbox"), 200).get("conversations"))
                .extracting(c -> c.get("conversationId").asString())
                .doesNotContain("chat:" + session)
                .hasSize(1);

        // a stream open on our dashboards hears of the request once its batch commits
        try (SseReader stream =
                SseReader.open(HttpClient.newHttpClient(), API.uri("/api/dashboards/stream"), staff, null)) {
            assertThat(next(stream, "inbox").path("conversations")).hasSize(1);
            next(stream, "secretary");
            ActionRequested request = requested(ours, visitor, session);
            project(request);
            JsonNode live = next(stream, "inbox");
            assertThat(live.at("/conversations/0/status").asString())
                    .as("a request taken in it waits for staff")
                    .isEqualTo("waiting");
            assertThat(live.at("/counts/waiting").asInt()).isEqualTo(1);
            JsonNode secretary = next(stream, "secretary");
            assertThat(secretary.at("/items/0/actionId").asString())
                    .isEqualTo(request.getActionId().toString());
            assertThat(secretary.at("/counts/callbacksDue").asInt()).isEqualTo(1);

            // the rival cannot touch it; our staff mark it done, which is an event
            String path = "/api/dashboards/secretary/items/" + request.getActionId() + "/status";
            assertThat(post(rival, path, "{\"status\":\"done\"}").statusCode()).isEqualTo(404);
            assertThat(post(staff, path, "{\"status\":\"finished\"}").statusCode())
                    .isEqualTo(400);
            assertThat(post(staff, path, "{\"status\":\"done\"}").statusCode()).isEqualTo(202);
            ActionStatusChanged changed = (ActionStatusChanged) CODEC.decode(TopicReader.readUntilFound(
                            SharedInfra.kafkaBootstrapServers(),
                            Topics.ACTIONS.name(),
                            r -> CODEC.decode(r.value()) instanceof ActionStatusChanged c
                                    && c.getActionId().equals(request.getActionId()),
                            Duration.ofSeconds(10))
                    .getFirst()
                    .value());
            assertThat(changed.getStatus()).isEqualTo(ActionStatus.DONE);
            assertThat(changed.getChangedBy()).isEqualTo("sam-" + run);
            assertThat(changed.getWorkspaceId()).isEqualTo(ours);
            project(changed);
            assertThat(next(stream, "inbox").at("/conversations/0/status").asString())
                    .isEqualTo("handled");
            assertThat(next(stream, "secretary").at("/counts/done").asInt()).isEqualTo(1);
        }

        // the analytics: today's chat, its figures and what its tokens cost at the configured price
        JsonNode analytics = json(API.get(staff, "/api/dashboards/analytics?limit=7"), 200);
        assertThat(analytics.get("days")).hasSize(1);
        JsonNode today = analytics.get("days").get(0);
        assertThat(today.get("channel").asString()).isEqualTo("chat");
        assertThat(today.get("conversations").asLong()).isEqualTo(1);
        assertThat(today.get("messages").asLong()).isEqualTo(2);
        assertThat(today.get("replies").asLong()).isEqualTo(1);
        assertThat(today.at("/firstReply/medianMs").asLong()).isEqualTo(1_500);
        assertThat(today.at("/firstReply/measured").asLong()).isEqualTo(1);
        assertThat(today.at("/tokens/gpt-4o-mini/input").asLong()).isEqualTo(1_000);
        assertThat(today.at("/tokens/gpt-4o-mini/output").asLong()).isEqualTo(500);
        assertThat(today.get("estimatedCostUsd").decimalValue())
                .as("1,000 in at 0.15 and 500 out at 0.60 per million")
                .isEqualByComparingTo("0.00045");
        assertThat(json(API.get(rival, "/api/dashboards/analytics"), 200)
                        .at("/days/0/messages")
                        .asLong())
                .as("another workspace's figures are its own")
                .isZero();

        // sales: the visitor who left a number is a lead; marketing: their conversation converted
        JsonNode sales = json(API.get(staff, "/api/dashboards/sales"), 200);
        assertThat(sales.get("leads")).hasSize(1);
        assertThat(sales.at("/leads/0/name").asString()).isEqualTo("Ann");
        assertThat(sales.at("/leads/0/stage").asString()).isEqualTo("engaged");
        assertThat(sales.at("/leads/0/sourceConversationId").asString()).isEqualTo("chat:" + session);
        assertThat(json(API.get(rival, "/api/dashboards/sales"), 200).get("leads"))
                .isEmpty();
        JsonNode marketing = json(API.get(staff, "/api/dashboards/marketing"), 200);
        assertThat(marketing.at("/campaigns/0/conversations").asLong()).isEqualTo(1);
        assertThat(marketing.at("/campaigns/0/converted").asLong()).isEqualTo(1);
        assertThat(marketing.at("/campaigns/0/leads").asLong()).isEqualTo(1);
        assertThat(marketing.at("/campaigns/0/conversion").asDouble()).isEqualTo(1.0);

        // refused: a stranger, a visitor, a dashboard that does not exist
        assertThat(problem(API.get(issuer.mint("nobody-" + run), "/api/dashboards/inbox"), 404))
                .isEqualTo("no-workspace");
        String visitorToken = JSON.readTree(API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build())
                        .body())
                .get("token")
                .asString();
        assertThat(API.get(visitorToken, "/api/dashboards/secretary").statusCode())
                .isEqualTo(404);
        assertThat(problem(API.get(staff, "/api/dashboards/payroll"), 404)).isEqualTo("unknown-dashboard");
    }

    @Test
    void aSpentBudgetStopsVoiceForThatWorkspaceOrVisitorAndTheAnalyticsSayWhy() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ws = "ws-d-" + run;
        String elsewhere = "ws-e-" + run;
        String owner = member("ola-" + run, "owner", ws);
        String other = member("oz-" + run, "owner", elsewhere);
        assertThat(problem(post(owner, "/api/realtime/token", ""), 503))
                .as("no budget spent: minting goes on (and, without a key here, says voice is offline)")
                .isEqualTo("voice-offline");

        // projections' keeper found a visitor's budget spent elsewhere, then this workspace's: as projected
        budgetSpent(elsewhere, "oz-" + run, 50_123, 50_000);
        assertThat(problem(post(other, "/api/realtime/token", ""), 429))
                .as("that visitor's own budget")
                .isEqualTo("budget-spent");
        budgetSpent(ws, null, 2_000_450, 2_000_000);
        HttpResponse<String> refused = post(owner, "/api/realtime/token", "");
        assertThat(problem(refused, 429)).isEqualTo("budget-spent");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("midnight UTC").doesNotContain("ola-");

        // and the degraded replies meanwhile are counted by why
        UUID session = UUID.randomUUID();
        ChatMessageScreened question = screened(ws, session, "anon:" + session, "Hello?");
        project(started(ws, session, "anon:" + session), question);
        project(ChatReplyProduced.newBuilder(answer(session, question, 200))
                .setModel(null)
                .setUsage(null)
                .setDegraded(true)
                .setDegradedReason("budget")
                .build());
        JsonNode analytics = json(API.get(owner, "/api/dashboards/analytics"), 200);
        assertThat(analytics.at("/budget/spent").asBoolean()).isTrue();
        assertThat(analytics.at("/budget/limitTokens").asLong()).isEqualTo(2_000_000);
        assertThat(analytics.at("/days/0/degradedReplies").asLong()).isEqualTo(1);
        assertThat(analytics.at("/days/0/degradedBecause/budget").asLong()).isEqualTo(1);
        JsonNode theirs = json(API.get(other, "/api/dashboards/analytics"), 200);
        assertThat(theirs.at("/budget/spent").asBoolean()).isFalse();
        assertThat(theirs.at("/budget/visitorsSpent").asInt()).isEqualTo(1);
    }

    /** A spent budget of today, as the workspace projection writes it from projections' TokenBudgetSpent. */
    void budgetSpent(String workspace, String subject, long used, long limit) {
        db.execute(
                "INSERT INTO workspace_budgets_spent (workspace_id, day, subject, used_tokens, limit_tokens, spent_at) "
                        + "VALUES (?, (now() AT TIME ZONE 'UTC')::date, ?, ?, ?, now())",
                workspace,
                subject == null ? "" : subject,
                used,
                limit);
    }

    @Test
    void aStreamOutlivesItsListenerDyingAndTheDatabaseFreezing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ws = "ws-c-" + run;
        String owner = member("oli-" + run, "owner", ws);
        project(started(ws, UUID.randomUUID(), "anon:a-" + run));
        try (SseReader stream =
                SseReader.open(HttpClient.newHttpClient(), API.uri("/api/dashboards/stream"), owner, null)) {
            assertThat(next(stream, "inbox").path("conversations")).hasSize(1);

            // the listening connection is killed, as a database restart would: the stream is sent afresh
            // once ingress-api listens again, and hears the next change
            db.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
            assertThat(next(stream, "inbox").path("conversations")).hasSize(1);
            project(started(ws, UUID.randomUUID(), "anon:b-" + run));
            assertThat(next(stream, "inbox").path("conversations")).hasSize(2);

            // the database freezes for a while: the stream stays open, and carries on after
            try (SharedInfra.Outage frozen = SharedInfra.pauseDatabase()) {
                Thread.sleep(3_000);
            }
            project(started(ws, UUID.randomUUID(), "anon:c-" + run));
            assertThat(next(stream, "inbox").path("conversations")).hasSize(3);
        }
    }

    /** The next event named {@code name}, as JSON (events of other dashboards in between are skipped). */
    static JsonNode next(SseReader stream, String name) throws InterruptedException {
        return JSON.readTree(stream.until(e -> e.name().equals(name), Duration.ofSeconds(10))
                .getLast()
                .data());
    }

    /** A token whose role claim makes its subject {@code role} of {@code workspace}. */
    String member(String subject, String role, String workspace) {
        return IngressUnderTest.withRoleClaim(issuer, subject, role, workspace);
    }

    /** Applies {@code events} as one projector batch (its notification is sent when it commits). */
    void project(SpecificRecordBase... events) {
        List<ProjectedEvent> batch = Arrays.stream(events)
                .map(e -> new ProjectedEvent("t", 0, 0, "k", e))
                .toList();
        db.transaction(tx -> new DashboardProjection().apply(tx.dsl(), batch));
    }

    /**
     * Event times: early today (UTC), a millisecond apart in the order they are made, so a run across
     * midnight still has all its figures on one day, and that day within the analytics' window.
     */
    static final Instant TODAY = java.time.LocalDate.now(java.time.ZoneOffset.UTC)
            .atStartOfDay(java.time.ZoneOffset.UTC)
            .toInstant()
            .plusSeconds(60);

    static final java.util.concurrent.atomic.AtomicLong TICKS = new java.util.concurrent.atomic.AtomicLong();

    static Instant at() {
        return TODAY.plusMillis(TICKS.incrementAndGet());
    }

    static ChatSessionStarted started(String ws, UUID session, String visitor) {
        return ChatSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at())
                .setSessionId(session)
                .setUserId(visitor)
                .setAnonymous(true)
                .setWorkspaceId(ws)
                .build();
    }

    static ChatMessageScreened screened(String ws, UUID session, String visitor, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at())
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId(visitor)
                .setAnonymous(true)
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .setWorkspaceId(ws)
                .build();
    }

    static ChatReplyProduced answer(UUID session, ChatMessageScreened question, long afterMs) {
        return ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(question.getOccurredAt().plusMillis(afterMs))
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(question.getMessageId())
                .setUserId(question.getUserId())
                .setText("Of course, we will.")
                .setDecision(Decision.ALLOW)
                .setDegraded(false)
                .setModel("gpt-4o-mini")
                .setUsage(TokenUsage.newBuilder()
                        .setInputTokens(1_000)
                        .setOutputTokens(500)
                        .setTotalTokens(1_500)
                        .build())
                .build();
    }

    static ActionRequested requested(String ws, String visitor, UUID session) {
        return ActionRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at())
                .setUserId(visitor)
                .setActionId(UUID.randomUUID())
                .setKind("secretary.take_message")
                .setIntegration("secretary")
                .setPayloadJson("{\"details\":{\"caller_name\":\"Ann\",\"callback_number\":\"07700 900123\","
                        + "\"message\":\"Call me back\"}}")
                .setSource(EventSource.CHAT)
                .setSourceId(session.toString())
                .setWorkspaceId(ws)
                .build();
    }

    static HttpResponse<String> post(String token, String path, String json) throws Exception {
        return API.send(API.request(path, token)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    static JsonNode json(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    static String problem(HttpResponse<String> response, int status) {
        String type = json(response, status).get("type").asString();
        return type.substring(type.lastIndexOf('/') + 1);
    }
}
