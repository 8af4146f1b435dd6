package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code donna replay} as an operator runs it: a read model that lost its rows is rebuilt from the log with
 * progress, compared, and switched in; the audit trail is refused.
 */
@ExtendWith(InfraExtension.class)
class ReplayCommandTest {

    @Test
    void aReadModelThatLostItsRowsIsRebuiltFromTheLogAndSwitchedIn() throws Exception {
        SharedInfra.Database database =
                SharedInfra.newDatabase("replay_" + UUID.randomUUID().toString().substring(0, 8));
        Flyway.configure()
                .dataSource(database.jdbcUrl(), database.username(), database.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        SharedInfra.ensureTopic(Topics.CHAT_SCREENED.name(), Topics.CHAT_SCREENED.partitions(), Map.of());
        SharedInfra.ensureTopic(Topics.CHAT_REPLIES.name(), Topics.CHAT_REPLIES.partitions(), Map.of());
        String user = "replayed-" + UUID.randomUUID();
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                Map.of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                new StringSerializer(),
                new CatalogSerializer())) {
            for (int i = 0; i < 50; i++) {
                UUID session = UUID.randomUUID();
                producer.send(Topics.CHAT_SCREENED.record(
                        session.toString(),
                        ChatMessageScreened.newBuilder()
                                .setEventId(UUID.randomUUID())
                                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                                .setSessionId(session)
                                .setMessageId(UUID.randomUUID())
                                .setUserId(user)
                                .setText("message " + i)
                                .setVerdict(Verdict.newBuilder()
                                        .setDecision(Decision.ALLOW)
                                        .build())
                                .setSubmittedEventId(UUID.randomUUID())
                                .build()));
            }
        }
        Map<String, String> env = Map.of(
                "DONNA_DB_URL", database.jdbcUrl(),
                "DONNA_DB_USER", database.username(),
                "DONNA_DB_PASSWORD", database.password(),
                "DONNA_KAFKA_BOOTSTRAP", SharedInfra.kafkaBootstrapServers());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Donna.run(
                new String[] {"replay", "chat", "--switch"},
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("replay chat:")
                .contains("event(s)");
        assertThat(printed)
                .contains("Rebuilt chat into replay_chat")
                .containsPattern("chat_messages\\s+live\\s+0 rows, rebuilt\\s+\\d+ rows: differs")
                .contains("Switched in");
        try (var connection = database.connect()) {
            assertThat(DSL.using(connection, SQLDialect.POSTGRES)
                            .fetchValue("SELECT count(*) FROM chat_messages WHERE user_id = ?", user))
                    .isEqualTo(50L);
        }

        ByteArrayOutputStream refused = new ByteArrayOutputStream();
        assertThat(Donna.run(
                        new String[] {"replay", "audit"},
                        env,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        new PrintStream(refused, true, StandardCharsets.UTF_8)))
                .isEqualTo(2);
        assertThat(refused.toString(StandardCharsets.UTF_8)).contains("No projection audit to rebuild");
    }
}
