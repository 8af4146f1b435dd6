package app.donna.ingress.gmail;

import static app.donna.projections.db.Tables.GMAIL_MAILBOXES;
import static app.donna.projections.db.Tables.GMAIL_MESSAGES;
import static app.donna.projections.db.Tables.GMAIL_OAUTH_STATES;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailDisconnectRequested;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.ingress.gmail.oauth.Pkce;
import app.donna.localinfra.LocalPorts;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Connecting Gmail through ingress-api: the consent page asked for with PKCE and offline access, the code
 * taken once for the state that started it in the browser that started it, and handed on sealed; a missing,
 * unknown, stale, reused or foreign state refused; and the code and verifier nowhere in clear: not in the
 * record's bytes, a response or a log line.
 */
@ExtendWith({InfraExtension.class, OutputCaptureExtension.class})
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class GmailConnectApiTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(20));
    static final String KEYS = "k1:" + SealedSecrets.newKey();
    static final SealedSecrets SECRETS = SealedSecrets.fromConfig(KEYS);
    static final EventCodec CODEC = EventCodec.bundled();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.security.anonymous.secret", () -> "a-test-secret-of-at-least-32-bytes!!");
        registry.add("donna.gmail.client-id", () -> "client-1.apps.googleusercontent.com");
        registry.add("donna.gmail.authorization-endpoint", () -> "https://accounts.example/o/oauth2/v2/auth");
        registry.add("donna.gmail.redirect-uri", () -> "http://127.0.0.1:" + PORT + "/api/gmail/oauth/callback");
        registry.add("donna.gmail.after-connect", () -> "http://app.example/settings");
        registry.add("donna.gmail.secret-keys", () -> KEYS);
        registry.add("donna.security.internal-secret", () -> INTERNAL_SECRET);
    }

    static final String INTERNAL_SECRET = "cron-secret-" + UUID.randomUUID();

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    DSLContext db;

    /** A started connection, as the browser holds it: the consent page's address and the cookie. */
    record Started(URI consent, Map<String, String> query, String cookie, String setCookie) {
        String state() {
            return query.get("state");
        }
    }

    @Test
    void aUserConnectsOnceAndTheCodeTravelsSealed(CapturedOutput output) throws Exception {
        String user = "gail-" + UUID.randomUUID();
        String workspace = "ws-" + UUID.randomUUID();
        // gail works for a workspace (as the projector keeps it): her mailbox will be its
        db.insertInto(app.donna.projections.db.Tables.WORKSPACE_MEMBERS)
                .set(app.donna.projections.db.Tables.WORKSPACE_MEMBERS.WORKSPACE_ID, workspace)
                .set(app.donna.projections.db.Tables.WORKSPACE_MEMBERS.USER_ID, user)
                .set(app.donna.projections.db.Tables.WORKSPACE_MEMBERS.ROLE, "STAFF")
                .set(app.donna.projections.db.Tables.WORKSPACE_MEMBERS.CHANGED_BY, "owner")
                .set(app.donna.projections.db.Tables.WORKSPACE_MEMBERS.CHANGED_AT, Instant.now())
                .execute();
        Started started = start(issuer.mint(user));

        assertThat(started.consent().getHost()).isEqualTo("accounts.example");
        assertThat(started.query())
                .containsEntry("client_id", "client-1.apps.googleusercontent.com")
                .containsEntry("code_challenge_method", "S256")
                .containsEntry("access_type", "offline")
                .containsEntry(
                        "scope",
                        "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.compose");
        assertThat(started.setCookie())
                .contains("HttpOnly")
                .contains("SameSite=Lax")
                .contains("Path=/api/gmail/oauth");

        String code = "4/0Ab-code-" + UUID.randomUUID();
        HttpResponse<String> back = callback(code, started.state(), started.cookie());

        assertThat(back.statusCode()).isEqualTo(302);
        assertThat(back.headers().firstValue("Location")).contains("http://app.example/settings?gmail=connecting");
        ConsumerRecord<byte[], byte[]> record = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.EMAIL_JOBS.name(),
                        r -> CODEC.decode(r.value()) instanceof GmailConnectRequested g
                                && g.getUserId().equals(user),
                        Duration.ofSeconds(30))
                .getFirst();
        GmailConnectRequested requested = (GmailConnectRequested) CODEC.decode(record.value());
        assertThat(new String(record.value(), StandardCharsets.ISO_8859_1)).doesNotContain(code);
        assertThat(SECRETS.open(requested.getAuthorizationCode(), SealedContexts.gmailOAuthCode(user)))
                .isEqualTo(code);
        String verifier = SECRETS.open(requested.getCodeVerifier(), SealedContexts.gmailOAuthVerifier(user));
        assertThat(Pkce.challengeOf(verifier))
                .as("the verifier answers the challenge Google was shown")
                .isEqualTo(started.query().get("code_challenge"));
        assertThat(requested.getRedirectUri()).isEqualTo("http://127.0.0.1:" + PORT + "/api/gmail/oauth/callback");
        assertThat(requested.getWorkspaceId()).isEqualTo(workspace);

        HttpResponse<String> again = callback(code, started.state(), started.cookie());
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("oauth-state-refused").contains("used already");

        assertThat(output.getAll()).doesNotContain(code).doesNotContain(verifier);
        assertThat(back.body() + again.body()).doesNotContain(code);
    }

    @Test
    void aMissingUnknownStaleOrForeignStateIsRefused() throws Exception {
        String user = "gil-" + UUID.randomUUID();

        assertThat(callback("c", null, null).body()).contains("carries no state");
        assertThat(callback("c", "made-up", null).body()).contains("unknown or too old");

        Started mine = start(issuer.mint(user));
        Started theirs = start(issuer.mint("mallory-" + UUID.randomUUID()));
        assertThat(callback("c", mine.state(), null).body())
                .as("no cookie: not the browser that started it")
                .contains("another browser");
        assertThat(callback("c", mine.state(), theirs.cookie()).body())
                .as("an attacker's browser")
                .contains("another browser");
        assertThat(callback("c", theirs.state(), mine.cookie()).body())
                .as("the attacker's state in the user's browser (login CSRF)")
                .contains("another browser");

        Started stale = start(issuer.mint(user));
        db.update(GMAIL_OAUTH_STATES)
                .set(GMAIL_OAUTH_STATES.CREATED_AT, Instant.now().minus(Duration.ofMinutes(11)))
                .where(GMAIL_OAUTH_STATES.STATE_HASH.eq(Pkce.hashOf(stale.state())))
                .execute();
        HttpResponse<String> late = callback("c", stale.state(), stale.cookie());
        assertThat(late.statusCode()).isEqualTo(400);
        assertThat(late.body()).contains("took too long");

        // the refused ones were not used up: the right browser still finishes its own
        assertThat(callback("c", mine.state(), mine.cookie()).statusCode()).isEqualTo(302);
    }

    @Test
    void twoCallbacksWithOneStateAtOnceConnectOnce() throws Exception {
        Started started = start(issuer.mint("gus-" + UUID.randomUUID()));

        List<CompletableFuture<Integer>> both = List.of(
                CompletableFuture.supplyAsync(() -> status("x", started.state(), started.cookie())),
                CompletableFuture.supplyAsync(() -> status("x", started.state(), started.cookie())));

        assertThat(both.stream().map(CompletableFuture::join).toList()).containsExactlyInAnyOrder(302, 400);
    }

    @Test
    void aDeclinedConsentGoesBackSayingSoAndOnlyUsersMayConnect() throws Exception {
        Started started = start(issuer.mint("gwen-" + UUID.randomUUID()));
        HttpResponse<String> declined = API.send(HttpRequest.newBuilder(
                        API.uri("/api/gmail/oauth/callback?error=access_denied&state=" + started.state()))
                .header("Cookie", started.cookie())
                .GET()
                .build());
        assertThat(declined.statusCode()).isEqualTo(302);
        assertThat(declined.headers().firstValue("Location")).contains("http://app.example/settings?gmail=declined");

        assertThat(API.get("not-a-token", "/api/gmail/oauth/start").statusCode())
                .isEqualTo(401);
        HttpResponse<String> visitor = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        String visitorToken = JsonMapper.builder()
                .build()
                .readTree(visitor.body())
                .get("token")
                .asString();
        HttpResponse<String> anonymous = API.get(visitorToken, "/api/gmail/oauth/start");
        assertThat(anonymous.statusCode()).isEqualTo(403);
        assertThat(anonymous.body()).contains("gmail-needs-account");
    }

    @Test
    void disconnectingIsHandedToEmailProcessorAndOnlyForAUser() throws Exception {
        String user = "dora-" + UUID.randomUUID();
        HttpResponse<String> accepted = API.send(
                API.request("/api/gmail/connection", issuer.mint(user)).DELETE().build());

        assertThat(accepted.statusCode()).isEqualTo(202);
        String jobId = JsonMapper.builder()
                .build()
                .readTree(accepted.body())
                .get("jobId")
                .asString();
        TopicReader.readUntilFound(
                SharedInfra.kafkaBootstrapServers(),
                Topics.EMAIL_JOBS.name(),
                r -> CODEC.decode(r.value()) instanceof GmailDisconnectRequested d
                        && d.getUserId().equals(user)
                        && d.getJobId().toString().equals(jobId),
                Duration.ofSeconds(30));
        assertThat(API.send(API.request("/api/gmail/connection", "not-a-token")
                                .DELETE()
                                .build())
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void aUserSeesWhereTheirConnectionStandsAndNoOneElses() throws Exception {
        String user = "gina-" + UUID.randomUUID();
        String token = issuer.mint(user);
        assertThat(API.get(token, "/api/gmail/connection").body()).contains("\"status\":\"not-connected\"");

        db.insertInto(GMAIL_MAILBOXES)
                .set(GMAIL_MAILBOXES.USER_ID, user)
                .set(GMAIL_MAILBOXES.EMAIL_ADDRESS, "gina@salon.example")
                .set(GMAIL_MAILBOXES.STATUS, "connected")
                .set(GMAIL_MAILBOXES.SCOPES, "https://www.googleapis.com/auth/gmail.readonly")
                .set(GMAIL_MAILBOXES.CONNECTED_AT, Instant.parse("2026-12-02T10:00:00Z"))
                .set(GMAIL_MAILBOXES.UPDATED_AT, Instant.parse("2026-12-02T10:00:00Z"))
                .execute();
        var connection = JsonMapper.builder()
                .build()
                .readTree(API.get(token, "/api/gmail/connection").body());
        assertThat(connection.get("status").asString()).isEqualTo("connected");
        assertThat(connection.get("emailAddress").asString()).isEqualTo("gina@salon.example");
        assertThat(connection.get("scopes").get(0).asString()).endsWith("gmail.readonly");
        assertThat(API.get(issuer.mint("someone-else-" + UUID.randomUUID()), "/api/gmail/connection")
                        .body())
                .contains("not-connected")
                .doesNotContain("gina@salon.example");
    }

    // ---- the browser's side

    Started start(String token) throws Exception {
        HttpResponse<String> response = API.get(token, "/api/gmail/oauth/start");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        URI consent = URI.create(response.headers().firstValue("Location").orElseThrow());
        Map<String, String> query = Arrays.stream(consent.getRawQuery().split("&"))
                .map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        return new Started(consent, query, setCookie.substring(0, setCookie.indexOf(';')), setCookie);
    }

    static HttpResponse<String> callback(String code, String state, String cookie) throws Exception {
        StringBuilder query = new StringBuilder("/api/gmail/oauth/callback?code=")
                .append(URLEncoder.encode(code, StandardCharsets.UTF_8));
        if (state != null) {
            query.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
        }
        HttpRequest.Builder request =
                HttpRequest.newBuilder(API.uri(query.toString())).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return API.send(request.build());
    }

    static int status(String code, String state, String cookie) {
        try {
            return callback(code, state, cookie).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theInboxPagesNewestFirstAndShowsNoOneElsesMail() throws Exception {
        String user = "ines-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2026-12-01T09:00:00Z");
        for (int i = 0; i < 23; i++) {
            inboxRow(user, "m" + (100 + i), t0.plusSeconds(i / 2)); // pairs share a time: the id breaks the tie
        }
        inboxRow("someone-else-" + UUID.randomUUID(), "x1", t0.plusSeconds(60));
        String token = issuer.mint(user);

        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            HttpResponse<String> page =
                    API.get(token, "/api/gmail/messages?limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.statusCode()).isEqualTo(200);
            var body = JsonMapper.builder().build().readTree(page.body());
            body.get("messages").forEach(m -> seen.add(m.get("id").asString()));
            cursor = body.get("nextCursor").isNull()
                    ? null
                    : body.get("nextCursor").asString();
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(23).doesNotHaveDuplicates().doesNotContain("x1");
        assertThat(seen.getFirst()).isEqualTo("m122");
        assertThat(seen.getLast()).isEqualTo("m100");
        HttpResponse<String> first = API.get(token, "/api/gmail/messages?limit=1");
        assertThat(first.body()).contains("\"from\":\"Ana <ana@example.com>\"").contains("\"labelIds\":[\"INBOX\"]");

        assertThat(API.get(token, "/api/gmail/messages?cursor=bm90LWEtY3Vyc29y").statusCode())
                .isEqualTo(400);
        assertThat(API.get(token, "/api/gmail/messages?limit=1000").statusCode())
                .isEqualTo(400);
    }

    @Test
    void syncNowIsForTheInternalSecretAndAsksEveryConnectedMailbox() throws Exception {
        String connected = "cora-" + UUID.randomUUID();
        String gone = "gus-" + UUID.randomUUID();
        mailboxRow(connected, "connected");
        mailboxRow(gone, "disconnected");

        assertThat(API.get(issuer.mint(connected), "/api/gmail/autopilot-run").statusCode())
                .as("a user's token is not the internal secret")
                .isEqualTo(403);
        HttpResponse<String> wrong = API.send(HttpRequest.newBuilder(API.uri("/api/gmail/autopilot-run"))
                .header("X-Internal-Secret", "guess")
                .GET()
                .build());
        assertThat(wrong.statusCode()).isIn(401, 403);

        HttpResponse<String> run =
                API.send(HttpRequest.newBuilder(API.uri("/api/gmail/autopilot-run?userId=" + connected))
                        .header("X-Internal-Secret", INTERNAL_SECRET)
                        .GET()
                        .build());
        assertThat(run.statusCode()).isEqualTo(202);
        assertThat(run.body()).contains("\"mailboxes\":1");
        TopicReader.readUntilFound(
                SharedInfra.kafkaBootstrapServers(),
                Topics.EMAIL_JOBS.name(),
                r -> CODEC.decode(r.value()) instanceof app.donna.events.email.MailboxSyncRequested m
                        && m.getUserId().equals(connected),
                Duration.ofSeconds(30));
        HttpResponse<String> none = API.send(HttpRequest.newBuilder(API.uri("/api/gmail/autopilot-run?userId=" + gone))
                .header("X-Internal-Secret", INTERNAL_SECRET)
                .GET()
                .build());
        assertThat(none.body()).as("a disconnected mailbox is not synced").contains("\"mailboxes\":0");
    }

    @Test
    void aSendIsHandedOnOnceAndHeaderInjectionIsRefusedAtTheDoor() throws Exception {
        String user = "sam-" + UUID.randomUUID();
        String token = issuer.mint(user);
        String mail = "{\"to\":[\"Zoë <zoe@example.com>\"],\"subject\":\"Re: Café ☕\",\"body\":\"Vendredi.\","
                + "\"inReplyTo\":\"18c0000000000001\",\"idempotencyKey\":\"k-1\"}";
        HttpResponse<String> first = post(token, "/api/gmail/send", mail);
        HttpResponse<String> retried = post(token, "/api/gmail/send", mail);
        assertThat(first.statusCode()).isEqualTo(202);
        String jobId =
                JsonMapper.builder().build().readTree(first.body()).get("jobId").asString();
        assertThat(retried.body()).as("a retry is the same job").contains(jobId);
        var job = (app.donna.events.email.SendEmailRequested) CODEC.decode(TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.EMAIL_JOBS.name(),
                        r -> CODEC.decode(r.value()) instanceof app.donna.events.email.SendEmailRequested s
                                && s.getUserId().equals(user),
                        Duration.ofSeconds(30))
                .getFirst()
                .value());
        assertThat(job.getJobId()).hasToString(jobId);
        assertThat(job.getTo()).containsExactly("Zoë <zoe@example.com>");
        assertThat(job.getSubject()).isEqualTo("Re: Café ☕");
        assertThat(job.getInReplyToGmailMessageId()).isEqualTo("18c0000000000001");
        assertThat(job.getOrigin()).isEqualTo(app.donna.events.common.SendOrigin.USER);

        HttpResponse<String> injected = post(
                token,
                "/api/gmail/send",
                "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\\r\\nBcc: x@evil.example\",\"body\":\"b\"}");
        assertThat(injected.statusCode()).isEqualTo(400);
        assertThat(injected.body()).contains("subject");
        HttpResponse<String> smuggled = post(
                token,
                "/api/gmail/send",
                "{\"to\":[\"a@example.com\\nBcc: x@evil.example\"],\"subject\":\"Hi\",\"body\":\"b\"}");
        assertThat(smuggled.statusCode()).isEqualTo(400);
        HttpResponse<String> nobody = post(token, "/api/gmail/send", "{\"subject\":\"Hi\",\"body\":\"b\"}");
        assertThat(nobody.statusCode()).isEqualTo(400);
        assertThat(nobody.body()).contains("recipient");
        HttpResponse<String> huge = post(
                token,
                "/api/gmail/send",
                "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\",\"body\":\"" + "x".repeat(50_001) + "\"}");
        assertThat(huge.statusCode()).as("over the body's limit").isEqualTo(400);
        HttpResponse<String> tooBig = post(
                token,
                "/api/gmail/send",
                "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\",\"body\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(tooBig.statusCode()).as("over the request's limit").isEqualTo(413);
    }

    @Test
    void draftsAreAskedForAndApprovedOnce() throws Exception {
        String user = "dee-" + UUID.randomUUID();
        String token = issuer.mint(user);

        HttpResponse<String> asked = post(
                token,
                "/api/gmail/draft-reply",
                "{\"messageId\":\"18c0000000000007\",\"instructions\":\"Keep it short.\"}");
        assertThat(asked.statusCode()).isEqualTo(202);
        var draftJob = (app.donna.events.email.DraftReplyRequested) CODEC.decode(TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.EMAIL_JOBS.name(),
                        r -> CODEC.decode(r.value()) instanceof app.donna.events.email.DraftReplyRequested d
                                && d.getUserId().equals(user),
                        Duration.ofSeconds(30))
                .getFirst()
                .value());
        assertThat(draftJob.getGmailMessageId()).isEqualTo("18c0000000000007");
        assertThat(draftJob.getInstructions()).isEqualTo("Keep it short.");
        assertThat(draftJob.getOrigin()).isEqualTo(app.donna.events.common.SendOrigin.USER);
        assertThat(draftJob.getSendWhenDrafted()).isFalse();
        assertThat(post(token, "/api/gmail/draft-reply", "{\"messageId\":\"../etc\"}")
                        .statusCode())
                .isEqualTo(400);

        HttpResponse<String> approved = post(token, "/api/gmail/drafts/r123/approve", "");
        HttpResponse<String> again = post(token, "/api/gmail/drafts/r123/approve", "");
        assertThat(approved.statusCode()).isEqualTo(202);
        String jobId = JsonMapper.builder()
                .build()
                .readTree(approved.body())
                .get("jobId")
                .asString();
        assertThat(again.body()).as("approving twice is one send").contains(jobId);
        var send = (app.donna.events.email.SendEmailRequested) CODEC.decode(TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.EMAIL_JOBS.name(),
                        r -> CODEC.decode(r.value()) instanceof app.donna.events.email.SendEmailRequested s
                                && s.getUserId().equals(user),
                        Duration.ofSeconds(30))
                .getFirst()
                .value());
        assertThat(send.getGmailDraftId()).isEqualTo("r123");
        assertThat(post(token, "/api/gmail/drafts/r%0d%0a1/approve", "").statusCode())
                .isEqualTo(400);
    }

    @Test
    void autopilotSettingsArePublishedValidatedAndShownWithTheDecisions() throws Exception {
        String user = "otto-" + UUID.randomUUID();
        String token = issuer.mint(user);
        assertThat(API.get(token, "/api/gmail/autopilot").body())
                .as("off until set")
                .contains("\"mode\":\"off\"");

        String wanted = "{\"mode\":\"draft-only\",\"maxRepliesPerDay\":10,\"maxRepliesPerSender\":2,"
                + "\"maxRepliesPerThread\":1,\"quietHours\":{\"start\":\"22:00\",\"end\":\"07:00\"},"
                + "\"timeZone\":\"Europe/Paris\",\"allowedSenders\":[],\"blockedSenders\":[\"@spam.example\"]}";
        HttpResponse<String> put = API.send(API.request("/api/gmail/autopilot", token)
                .PUT(HttpRequest.BodyPublishers.ofString(wanted))
                .build());
        assertThat(put.statusCode()).isEqualTo(202);
        var published = (app.donna.events.settings.AutopilotSettings) CODEC.decode(TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.AUTOPILOT_SETTINGS.name(),
                        r -> r.value() != null
                                && CODEC.decode(r.value()) instanceof app.donna.events.settings.AutopilotSettings a
                                && a.getUserId().equals(user),
                        Duration.ofSeconds(30))
                .getFirst()
                .value());
        assertThat(published.getMode()).isEqualTo(app.donna.events.settings.AutopilotMode.DRAFT_ONLY);
        assertThat(published.getQuietHoursStart()).isEqualTo("22:00");
        assertThat(published.getTimeZone()).isEqualTo("Europe/Paris");
        assertThat(published.getBlockedSenders()).containsExactly("@spam.example");

        for (String bad : List.of(
                wanted.replace("Europe/Paris", "Mars/Olympus"),
                wanted.replace("22:00", "25:00"),
                wanted.replace("draft-only", "yolo"),
                wanted.replace("\"maxRepliesPerDay\":10", "\"maxRepliesPerDay\":100000"),
                wanted.replace("@spam.example", "not an address\\r\\nBcc: x"))) {
            HttpResponse<String> refused = API.send(API.request("/api/gmail/autopilot", token)
                    .PUT(HttpRequest.BodyPublishers.ofString(bad))
                    .build());
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
        }

        // what the projection keeps, as the API shows it
        db.insertInto(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS)
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.EVENT_ID, UUID.randomUUID())
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.USER_ID, user)
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.GMAIL_MESSAGE_ID, "m1")
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.DECISION, "SKIP")
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.REASONS, "list mail")
                .set(app.donna.projections.db.Tables.AUTOPILOT_DECISIONS.DECIDED_AT, Instant.now())
                .execute();
        HttpResponse<String> why = API.get(token, "/api/gmail/autopilot/decisions?messageId=m1");
        assertThat(why.statusCode()).isEqualTo(200);
        assertThat(why.body()).contains("\"decision\":\"skip\"").contains("\"reasons\":[\"list mail\"]");
        assertThat(API.get(issuer.mint("someone-else"), "/api/gmail/autopilot/decisions?messageId=m1")
                        .body())
                .doesNotContain("list mail");
    }

    HttpResponse<String> post(String token, String path, String json) throws Exception {
        return API.send(API.request(path, token)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    void inboxRow(String user, String id, Instant at) {
        db.insertInto(GMAIL_MESSAGES)
                .set(GMAIL_MESSAGES.USER_ID, user)
                .set(GMAIL_MESSAGES.GMAIL_MESSAGE_ID, id)
                .set(GMAIL_MESSAGES.THREAD_ID, "t-" + id)
                .set(GMAIL_MESSAGES.FROM_HEADER, "Ana <ana@example.com>")
                .set(GMAIL_MESSAGES.TO_ADDRESSES, "owner@salon.example")
                .set(GMAIL_MESSAGES.SUBJECT, "Saturday?")
                .set(GMAIL_MESSAGES.SNIPPET, "Are you open?")
                .set(GMAIL_MESSAGES.RECEIVED_AT, at)
                .set(GMAIL_MESSAGES.LABEL_IDS, "INBOX")
                .set(GMAIL_MESSAGES.AUTOMATED, false)
                .execute();
    }

    void mailboxRow(String user, String status) {
        db.insertInto(GMAIL_MAILBOXES)
                .set(GMAIL_MAILBOXES.USER_ID, user)
                .set(GMAIL_MAILBOXES.EMAIL_ADDRESS, user + "@salon.example")
                .set(GMAIL_MAILBOXES.STATUS, status)
                .set(GMAIL_MAILBOXES.SCOPES, "")
                .set(GMAIL_MAILBOXES.UPDATED_AT, Instant.now())
                .execute();
    }
}
