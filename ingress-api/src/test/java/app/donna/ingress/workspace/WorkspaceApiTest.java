package app.donna.ingress.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.chat.ChatStaffReplied;
import app.donna.events.chat.ChatTakenOver;
import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspaceRole;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.workspace.WorkspaceProjection;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
 * Workspaces and their staff through ingress-api, on the real broker and PostgreSQL, with the workspace
 * projection applied to what the API published (no projector runs here): an owner creates a workspace and
 * manages its members and persona; staff read the workspace's visitor conversations and nothing else;
 * another workspace's owner, another visitor and a removed member see none of it; owners alone manage; a
 * workspace keeps an owner; two owners changing two members at once both stand; and an identity
 * provider's role claim makes a member without any membership.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class WorkspaceApiTest {

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
        // visitors open sessions here from 127.0.0.1 as in other test classes: limits counted in this
        // context's memory, so they use up no other class's shared per-address budget
        registry.add("donna.rate-limit.shared", () -> "false");
        registry.add("donna.workspace.owners", () -> "the-boss");
        registry.add("donna.workspace.role-claim", () -> "org_role");
        registry.add("donna.workspace.id-claim", () -> "org_id");
    }

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    DSLContext db;

    /** Where {@link #project()} has read {@code donna.workspace} to. */
    final Map<TopicPartition, Long> projected = new HashMap<>();

    @Test
    void anOwnerManagesStaffWhoSeeTheWorkspacesConversationsAndNoOneElseDoes() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String olga = issuer.mint("olga-" + run);
        String sam = issuer.mint("sam-" + run);
        String rita = issuer.mint("rita-" + run);

        // olga creates a workspace and is its owner once that is projected
        HttpResponse<String> created = post(olga, "/api/workspaces", "{\"name\":\"Bella's Salon\"}");
        assertThat(created.statusCode()).isEqualTo(202);
        String ws = JSON.readTree(created.body()).get("workspaceId").asString();
        assertThat(ws).startsWith("ws-");
        List<WorkspaceCreated> published = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.WORKSPACE.name(),
                        r -> new String(r.key()).equals(ws),
                        Duration.ofSeconds(10))
                .stream()
                .map(r -> (WorkspaceCreated) CODEC.decode(r.value()))
                .toList();
        assertThat(published.getFirst().getCreatedBy()).isEqualTo("olga-" + run);
        project();
        JsonNode mine = json(API.get(olga, "/api/workspace"), 200);
        assertThat(mine.get("workspaceId").asString()).isEqualTo(ws);
        assertThat(mine.get("role").asString()).isEqualTo("owner");
        assertThat(mine.get("name").asString()).isEqualTo("Bella's Salon");
        assertThat(post(olga, "/api/workspaces", "{\"name\":\"Second\"}").statusCode())
                .as("one workspace at a time")
                .isEqualTo(409);

        // rita owns another workspace
        String other = JSON.readTree(
                        post(rita, "/api/workspaces", "{\"name\":\"Rival\"}").body())
                .get("workspaceId")
                .asString();
        project();

        // olga adds sam as staff; rita, a member elsewhere, cannot be added
        assertThat(put(olga, "/api/workspace/members/sam-" + run, "{\"role\":\"staff\"}")
                        .statusCode())
                .isEqualTo(202);
        assertThat(problem(put(olga, "/api/workspace/members/rita-" + run, "{\"role\":\"staff\"}"), 409))
                .isEqualTo("member-elsewhere");
        assertThat(put(olga, "/api/workspace/members/x", "{\"role\":\"god\"}").statusCode())
                .isEqualTo(400);
        project();
        assertThat(json(API.get(sam, "/api/workspace"), 200).get("role").asString())
                .isEqualTo("staff");
        assertThat(json(API.get(sam, "/api/workspace/members"), 200).get("members"))
                .extracting(
                        m -> m.get("userId").asString() + ":" + m.get("role").asString())
                .containsExactly("olga-" + run + ":owner", "sam-" + run + ":staff");
        assertThat(json(API.get(rita, "/api/workspace/members"), 200).get("members"))
                .as("another workspace's members are not rita's to see")
                .extracting(m -> m.get("userId").asString())
                .containsExactly("rita-" + run);

        // owners alone manage, and a workspace keeps an owner
        assertThat(problem(put(sam, "/api/workspace/members/sam-" + run, "{\"role\":\"owner\"}"), 403))
                .isEqualTo("owners-only");
        assertThat(problem(delete(olga, "/api/workspace/members/olga-" + run), 409))
                .isEqualTo("last-owner");
        assertThat(problem(API.get(issuer.mint("nobody-" + run), "/api/workspace"), 404))
                .isEqualTo("no-workspace");

        // a visitor of olga's website chats; the events say whose workspace it is
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"workspaceId\":\"" + ws
                        + "\",\"utmCampaign\":\"spring-sale\"," + "\"utmSource\":\"newsletter\"}"))
                .build());
        assertThat(opened.statusCode()).isEqualTo(201);
        String session = JSON.readTree(opened.body()).get("sessionId").asString();
        String visitor = JSON.readTree(opened.body()).get("token").asString();
        assertThat(post(visitor, "/api/chat/sessions/" + session + "/messages", "{\"text\":\"Open on Sunday?\"}")
                        .statusCode())
                .isEqualTo(202);
        List<Object> chat = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.CHAT_INBOUND.name(),
                        r -> CODEC.decode(r.value()) instanceof ChatMessageSubmitted m
                                && m.getSessionId().toString().equals(session),
                        Duration.ofSeconds(10))
                .stream()
                .map(r -> (Object) CODEC.decode(r.value()))
                .toList();
        assertThat(((ChatMessageSubmitted) chat.getFirst()).getWorkspaceId()).isEqualTo(ws);
        ChatSessionStarted start = (ChatSessionStarted) CODEC.decode(TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.CHAT_INBOUND.name(),
                        r -> CODEC.decode(r.value()) instanceof ChatSessionStarted s
                                && s.getSessionId().toString().equals(session),
                        Duration.ofSeconds(10))
                .getFirst()
                .value());
        assertThat(start.getWorkspaceId()).isEqualTo(ws);
        assertThat(start.getCampaign()).as("the page's utm_campaign").isEqualTo("spring-sale");
        assertThat(start.getUtmSource()).isEqualTo("newsletter");
        assertThat(API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"campaign\":\"<script>\"}"))
                                .build())
                        .statusCode())
                .as("a campaign tag with markup in it")
                .isEqualTo(400);

        // the visitor and the workspace's staff read it; the rival owner and another visitor do not
        String history = "/api/chat/sessions/" + session + "/messages";
        assertThat(API.get(visitor, history).statusCode()).isEqualTo(200);
        assertThat(API.get(olga, history).statusCode()).isEqualTo(200);
        assertThat(API.get(sam, history).statusCode()).isEqualTo(200);
        assertThat(API.get(rita, history).statusCode()).isEqualTo(404);
        assertThat(API.get(visitorOf(null), history).statusCode()).isEqualTo(404);
        assertThat(post(sam, history, "{\"text\":\"posing as the visitor\"}").statusCode())
                .as("staff read; they do not write as the visitor")
                .isEqualTo(404);
        // a rival's visitor, and a widget naming a workspace that does not exist
        String rivalsVisitor = visitorOf(other);
        assertThat(rivalsVisitor).isNotNull();
        assertThat(problem(
                        API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"workspaceId\":\"ws-nope\"}"))
                                .build()),
                        404))
                .isEqualTo("unknown-workspace");

        // staff take the chat over, write to the visitor and hand it back; outsiders and the visitor cannot
        String visitorId = ((ChatMessageSubmitted) chat.getFirst()).getUserId();
        String sessionPath = "/api/chat/sessions/" + session;
        assertThat(post(rita, sessionPath + "/takeover", "").statusCode()).isEqualTo(404);
        assertThat(post(visitor, sessionPath + "/takeover", "").statusCode()).isEqualTo(404);
        assertThat(post(rita, sessionPath + "/staff-replies", "{\"text\":\"switch salons\"}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(json(post(sam, sessionPath + "/takeover", ""), 202)
                        .get("status")
                        .asString())
                .isEqualTo("taken-over");
        String reply = "{\"text\":\"Sam here: yes, 10 to 4 on Sundays.\",\"clientMessageId\":\"s-1\"}";
        String replyId = json(post(sam, sessionPath + "/staff-replies", reply), 202)
                .get("replyId")
                .asString();
        assertThat(json(post(sam, sessionPath + "/staff-replies", reply), 202)
                        .get("replyId")
                        .asString())
                .as("a retry is the same reply")
                .isEqualTo(replyId);
        assertThat(post(sam, sessionPath + "/staff-replies", "{\"text\":\"nul \\u0000 here\"}")
                        .statusCode())
                .as("text the store cannot hold")
                .isEqualTo(400);
        assertThat(post(sam, sessionPath + "/stream-tickets", "").statusCode())
                .as("staff watch the chat they took over")
                .isEqualTo(201);
        assertThat(post(rita, sessionPath + "/stream-tickets", "").statusCode()).isEqualTo(404);
        assertThat(json(post(olga, sessionPath + "/handback", ""), 202)
                        .get("status")
                        .asString())
                .isEqualTo("handed-back");
        List<SpecificRecordBase> staffActs = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.CHAT_INBOUND.name(),
                        r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).equals(visitorId)
                                && !(CODEC.decode(r.value()) instanceof ChatMessageSubmitted)
                                && !(CODEC.decode(r.value()) instanceof ChatSessionStarted),
                        4,
                        Duration.ofSeconds(10))
                .stream()
                .map(r -> (SpecificRecordBase) CODEC.decode(r.value()))
                .toList();
        assertThat(staffActs)
                .as("in order, under the visitor's key, so they stay in order with the visitor's messages")
                .hasSize(4);
        assertThat(staffActs.get(0)).isInstanceOf(ChatTakenOver.class);
        ChatStaffReplied staffReply = (ChatStaffReplied) staffActs.get(1);
        assertThat(staffReply.getStaffId()).isEqualTo("sam-" + run);
        assertThat(staffReply.getWorkspaceId()).isEqualTo(ws);
        assertThat(staffReply.getReplyId().toString()).isEqualTo(replyId);
        assertThat(((ChatStaffReplied) staffActs.get(2)).getEventId())
                .as("the retry's copy is the same event, which chat-processor passes on once")
                .isEqualTo(staffReply.getEventId());
        assertThat(((ChatHandedBack) staffActs.get(3)).getStaffId()).isEqualTo("olga-" + run);

        // sam is removed and sees nothing from his next request on
        assertThat(delete(olga, "/api/workspace/members/sam-" + run).statusCode())
                .isEqualTo(202);
        project();
        assertThat(API.get(sam, history).statusCode()).isEqualTo(404);
        assertThat(post(sam, sessionPath + "/takeover", "").statusCode()).isEqualTo(404);
        assertThat(API.get(sam, "/api/workspace").statusCode()).isEqualTo(404);
    }

    @Test
    void twoOwnersChangingTwoMembersAtOnceBothStand() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String ann = issuer.mint("ann-" + run);
        String ws = JSON.readTree(post(ann, "/api/workspaces", "{\"name\":\"Two owners\"}")
                        .body())
                .get("workspaceId")
                .asString();
        project();
        assertThat(put(ann, "/api/workspace/members/ben-" + run, "{\"role\":\"owner\"}")
                        .statusCode())
                .isEqualTo(202);
        project();
        String ben = issuer.mint("ben-" + run);
        for (int round = 0; round < 10; round++) {
            CyclicBarrier together = new CyclicBarrier(2);
            String first = "a" + round + "-" + run;
            String second = "b" + round + "-" + run;
            CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> putAfter(together, ann, first));
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> putAfter(together, ben, second));
            assertThat(List.of(a.join(), b.join())).containsExactly(202, 202);
        }
        project();
        List<String> members = new ArrayList<>();
        json(API.get(ann, "/api/workspace/members"), 200)
                .get("members")
                .forEach(m -> members.add(m.get("userId").asString()));
        assertThat(members).hasSize(22);
        List<WorkspaceMemberChanged> changes = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.WORKSPACE.name(),
                        r -> new String(r.key()).startsWith(ws + "/members/"),
                        21,
                        Duration.ofSeconds(10))
                .stream()
                .map(r -> (WorkspaceMemberChanged) CODEC.decode(r.value()))
                .toList();
        assertThat(changes).allSatisfy(c -> assertThat(c.getRole()).isIn(WorkspaceRole.OWNER, WorkspaceRole.STAFF));
    }

    @Test
    void theOwnerSetsThePersonaStaffReadItAndTextTheStoreCannotHoldIsRefused() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String owner = issuer.mint("po-" + run);
        JSON.readTree(post(owner, "/api/workspaces", "{\"name\":\"Persona\"}").body());
        project();
        JsonNode before = json(API.get(owner, "/api/workspace/persona"), 200);
        assertThat(before.get("source").asString()).isEqualTo("default");
        assertThat(before.get("businessName").asString()).isEqualTo("Donna Demo Salon");

        String persona = "{\"businessName\":\"Chez Po\",\"hours\":\"Tue-Sat 9-18\","
                + "\"services\":[\"Cut: 30 EUR\",\"Colour: from 60 EUR\"],\"tone\":\"cheerful\","
                + "\"instructions\":\"Never book Mondays.\"}";
        assertThat(put(owner, "/api/workspace/persona", persona).statusCode()).isEqualTo(202);
        assertThat(put(owner, "/api/workspace/persona", persona.replace("Chez Po", "Chez\\u0000Po"))
                        .statusCode())
                .isEqualTo(400);
        assertThat(put(owner, "/api/workspace/persona", persona.replace("Chez Po", "x".repeat(121)))
                        .statusCode())
                .isEqualTo(400);
        project();
        JsonNode after = json(API.get(owner, "/api/workspace/persona"), 200);
        assertThat(after.get("source").asString()).isEqualTo("workspace");
        assertThat(after.get("businessName").asString()).isEqualTo("Chez Po");
        assertThat(after.get("services")).hasSize(2);
        assertThat(problem(API.get(issuer.mint("stranger-" + run), "/api/workspace/persona"), 404))
                .isEqualTo("no-workspace");
        // a visitor is no member, and cannot create a workspace
        assertThat(problem(post(visitorOf(null), "/api/workspaces", "{\"name\":\"Mine\"}"), 403))
                .isEqualTo("workspace-needs-account");
    }

    @Test
    void theIdentityProvidersRoleClaimOrTheConfiguredOwnersMakeMembers() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String claimedStaff = claimed("cs-" + run, "org:member", "acme-" + run);
        JsonNode staff = json(API.get(claimedStaff, "/api/workspace"), 200);
        assertThat(staff.get("workspaceId").asString()).isEqualTo("acme-" + run);
        assertThat(staff.get("role").asString()).isEqualTo("staff");
        assertThat(staff.get("source").asString()).isEqualTo("claim");
        assertThat(json(API.get(claimed("co-" + run, List.of("viewer", "admin"), null), "/api/workspace"), 200)
                        .get("workspaceId")
                        .asString())
                .as("a claim without a workspace is the default workspace's")
                .isEqualTo("default");
        assertThat(API.get(claimed("cx-" + run, "superuser", "acme-" + run), "/api/workspace")
                        .statusCode())
                .as("a role nobody knows grants nothing")
                .isEqualTo(404);
        JsonNode boss = json(API.get(issuer.mint("the-boss"), "/api/workspace"), 200);
        assertThat(boss.get("workspaceId").asString()).isEqualTo("default");
        assertThat(boss.get("role").asString()).isEqualTo("owner");
        assertThat(boss.get("source").asString()).isEqualTo("configuration");

        // the default workspace's visitors are its staff's to read, and not another workspace's
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        String session = JSON.readTree(opened.body()).get("sessionId").asString();
        String history = "/api/chat/sessions/" + session + "/messages";
        assertThat(API.get(issuer.mint("the-boss"), history).statusCode()).isEqualTo(200);
        assertThat(API.get(claimedStaff, history).statusCode()).isEqualTo(404);
    }

    /** A visitor's token for a new session, in {@code workspace} (null: the default). */
    String visitorOf(String workspace) throws Exception {
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        workspace == null ? "{}" : "{\"workspaceId\":\"" + workspace + "\"}"))
                .build());
        assertThat(opened.statusCode()).isEqualTo(201);
        return JSON.readTree(opened.body()).get("token").asString();
    }

    /** A token from the identity provider with a role claim (a string or a list) and a workspace claim. */
    String claimed(String subject, Object role, String workspace) {
        return IngressUnderTest.withRoleClaim(issuer, subject, role, workspace);
    }

    /** Applies what was published to {@code donna.workspace} since the last call, as the projector would. */
    void project() {
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.WORKSPACE.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            for (TopicPartition p : partitions) {
                consumer.seek(p, projected.getOrDefault(p, 0L));
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ProjectedEvent> events = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> events.add(new ProjectedEvent(
                                r.topic(), r.partition(), r.offset(), r.key(), CODEC.decode(r.value()))));
            }
            partitions.forEach(p -> projected.put(p, consumer.position(p)));
            db.transaction(tx -> new WorkspaceProjection().apply(tx.dsl(), events));
        }
    }

    Integer putAfter(CyclicBarrier together, String token, String member) {
        try {
            together.await();
            return put(token, "/api/workspace/members/" + member, "{\"role\":\"staff\"}")
                    .statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(String token, String path, String json) throws Exception {
        return API.send(API.request(path, token)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    static HttpResponse<String> put(String token, String path, String json) throws Exception {
        return API.send(API.request(path, token)
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    static HttpResponse<String> delete(String token, String path) throws Exception {
        return API.send(API.request(path, token).DELETE().build());
    }

    static JsonNode json(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    static String problem(HttpResponse<String> response, int status) {
        JsonNode body = json(response, status);
        String type = body.get("type").asString();
        return type.substring(type.lastIndexOf('/') + 1);
    }
}
