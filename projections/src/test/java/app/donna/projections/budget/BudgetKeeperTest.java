package app.donna.projections.budget;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.TokenUsage;
import app.donna.events.common.Verdict;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.projections.workspace.WorkspaceProjection;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The budget keeper on a real database and broker: a day's tokens counted from the dashboards' facts of chat
 * and calls, a visitor's budget and then the workspace's found spent and said once each on donna.workspace
 * (and projected for ingress-api), no budget when it is 0, and the count starting afresh the next day.
 */
@ExtendWith(InfraExtension.class)
class BudgetKeeperTest {

    static final HikariDataSource DATA = MigratedDatabase.create("budget");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant NOON = Instant.parse("2026-12-02T12:00:00Z");
    static final EventCodec CODEC = EventCodec.bundled();

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void aVisitorsThenTheWorkspacesBudgetIsSaidSpentOnceEachAndANewDayStartsAfresh() {
        String ws = "ws-" + UUID.randomUUID();
        UUID session = UUID.randomUUID();
        String visitor = "anon:" + session;
        UUID call = UUID.randomUUID();
        String caller = "caller-" + UUID.randomUUID();
        SharedInfra.ensureTopic(Topics.WORKSPACE.name(), 3, Map.of("cleanup.policy", "compact"));
        KafkaTemplate<String, SpecificRecordBase> kafka = kafka();
        BudgetKeeper keeper = new BudgetKeeper(
                DB, kafka, new BudgetSettings(1_000, 300, Duration.ofSeconds(2), "default"), clock(NOON));

        apply(question(ws, session, visitor), reply(session, ws, 200, 50));
        assertThat(keeper.check()).as("250 tokens: under both budgets").isZero();

        apply(reply(session, ws, 40, 20));
        assertThat(keeper.check())
                .as("the visitor's 310 tokens reach their 300")
                .isEqualTo(1);
        assertThat(keeper.check()).as("said once").isZero();

        // a caller of the same workspace takes it over the workspace's 1000
        apply(
                VoiceSessionStarted.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(NOON)
                        .setVoiceSessionId(call)
                        .setUserId(caller)
                        .setModel("gpt-realtime")
                        .setTransport(app.donna.events.voice.VoiceTransport.WEBRTC)
                        .setWorkspaceId(ws)
                        .build(),
                VoiceResponseCompleted.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(NOON)
                        .setVoiceSessionId(call)
                        .setUserId(caller)
                        .setResponseId("resp_1")
                        .setUsage(usage(500, 200))
                        .build());
        assertThat(keeper.check())
                .as("the workspace's 1010 tokens, and the caller's 700")
                .isEqualTo(2);

        Map<String, TokenBudgetSpent> said = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.WORKSPACE.name(),
                        r -> new String(r.key(), StandardCharsets.UTF_8).startsWith(ws + "/budget/"),
                        3,
                        Duration.ofSeconds(10))
                .stream()
                .collect(java.util.stream.Collectors.toMap(r -> new String(r.key(), StandardCharsets.UTF_8), r ->
                        (TokenBudgetSpent) CODEC.decode(r.value())));
        assertThat(said)
                .containsOnlyKeys(
                        ws + "/budget/2026-12-02",
                        ws + "/budget/2026-12-02/" + visitor,
                        ws + "/budget/2026-12-02/" + caller);
        TokenBudgetSpent whole = said.get(ws + "/budget/2026-12-02");
        assertThat(whole.getSubject()).isNull();
        assertThat(whole.getUsedTokens()).isEqualTo(1_010);
        assertThat(whole.getLimitTokens()).isEqualTo(1_000);
        assertThat(said.get(ws + "/budget/2026-12-02/" + visitor).getLimitTokens())
                .isEqualTo(300);

        // ingress-api reads them from the workspace projection
        MigratedDatabase.apply(DB, new WorkspaceProjection(), said.values().toArray(SpecificRecordBase[]::new));
        assertThat(DB.fetchValue(
                        "SELECT count(*) FROM workspace_budgets_spent WHERE workspace_id = ? AND day = '2026-12-02'",
                        ws))
                .isEqualTo(3L);

        // the next day counts afresh; and a budget of 0 is none
        assertThat(new BudgetKeeper(
                                DB,
                                kafka,
                                new BudgetSettings(1_000, 300, Duration.ofSeconds(2), "default"),
                                clock(NOON.plus(Duration.ofDays(1))))
                        .check())
                .isZero();
        assertThat(new BudgetKeeper(DB, kafka, new BudgetSettings(0, 0, Duration.ofSeconds(2), "default"), clock(NOON))
                        .check())
                .isZero();
    }

    static Clock clock(Instant at) {
        return Clock.fixed(at, ZoneOffset.UTC);
    }

    static KafkaTemplate<String, SpecificRecordBase> kafka() {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(
                Map.of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                new StringSerializer(),
                new CatalogSerializer()));
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new DashboardProjection(), events);
    }

    static TokenUsage usage(int input, int output) {
        return TokenUsage.newBuilder()
                .setInputTokens(input)
                .setOutputTokens(output)
                .setTotalTokens(input + output)
                .build();
    }

    static ChatMessageScreened question(String ws, UUID session, String visitor) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(NOON)
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId(visitor)
                .setAnonymous(true)
                .setText("Tell me everything")
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .setWorkspaceId(ws)
                .build();
    }

    static ChatReplyProduced reply(UUID session, String ws, int input, int output) {
        return ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(NOON)
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("anon:" + session)
                .setText("Everything.")
                .setDecision(Decision.ALLOW)
                .setModel("gpt-test")
                .setUsage(usage(input, output))
                .setWorkspaceId(ws)
                .build();
    }
}
