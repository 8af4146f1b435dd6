package app.donna.projections;

import static app.donna.projections.db.Tables.ABUSE_FLAGS;
import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.CHAT_SESSIONS;
import static app.donna.testing.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.RiskCategory;
import app.donna.events.common.Severity;
import app.donna.events.common.TokenUsage;
import app.donna.events.common.VerdictReason;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.TestPropertySource;

/** The projections service against the real broker and PostgreSQL. */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + ProjectionsApplication.CONFIG_NAME)
@TestPropertySource(properties = {"donna.projections.poll-timeout=100ms"})
class ProjectionsServiceTest {

    @Autowired
    KafkaTemplate<String, SpecificRecordBase> events;

    @Autowired
    DSLContext db;

    @LocalServerPort
    int port;

    @Test
    void projectsBothSidesOfAConversationWithVerdictAndReplyDetails() throws Exception {
        UUID session = UUID.randomUUID();
        ChatMessageScreened question = message(session, "user_a", "are you open on Sunday?");
        ChatReplyProduced answer = ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(question.getOccurredAt().plusMillis(900))
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(question.getMessageId())
                .setUserId("user_a")
                .setText("We are open 10 to 4 on Sundays.")
                .setDecision(Decision.ALLOW)
                .setDegraded(false)
                .setModel("gpt-test")
                .setLlmLatencyMs(850L)
                .setUsage(TokenUsage.newBuilder()
                        .setInputTokens(120)
                        .setOutputTokens(12)
                        .setTotalTokens(132)
                        .build())
                .build();
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), question).get(10, TimeUnit.SECONDS);
        events.send(Topics.CHAT_REPLIES.name(), session.toString(), answer).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)) == 2);
        var sessionRow = db.selectFrom(CHAT_SESSIONS)
                .where(CHAT_SESSIONS.SESSION_ID.eq(session))
                .fetchOne();
        assertThat(sessionRow.getOwnerUserId()).isEqualTo("user_a");
        assertThat(sessionRow.getCreatedAt()).isEqualTo(question.getOccurredAt());
        var user = db.selectFrom(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.MESSAGE_ID.eq(question.getMessageId()))
                .fetchOne();
        assertThat(user.getRole()).isEqualTo("user");
        assertThat(user.getVerdict()).isEqualTo("ALLOW");
        assertThat(user.getOccurredAt()).isEqualTo(question.getOccurredAt());
        assertThat(user.getEventId()).isEqualTo(question.getEventId());
        var assistant = db.selectFrom(CHAT_MESSAGES)
                .where(CHAT_MESSAGES.MESSAGE_ID.eq(answer.getReplyId()))
                .fetchOne();
        assertThat(assistant.getRole()).isEqualTo("assistant");
        assertThat(assistant.getBody()).isEqualTo("We are open 10 to 4 on Sundays.");
        assertThat(assistant.getReplyTo()).isEqualTo(question.getMessageId());
        assertThat(assistant.getModel()).isEqualTo("gpt-test");
        assertThat(assistant.getLlmLatencyMs()).isEqualTo(850L);
        assertThat(assistant.getInputTokens()).isEqualTo(120);
        assertThat(assistant.getOutputTokens()).isEqualTo(12);
        assertThat(assistant.getSessionId()).isEqualTo(session);
        assertThat(assistant.getDegraded()).isFalse();
    }

    @Test
    void projectsAbuseFlagsWithTheirRedactedReasons() throws Exception {
        AbuseFlagged flag = AbuseFlagged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setUserId("user_f")
                .setSource(EventSource.CHAT)
                .setSessionId(UUID.randomUUID().toString())
                .setMessageId(UUID.randomUUID().toString())
                .setDecision(Decision.BLOCK)
                .setReasons(List.of(VerdictReason.newBuilder()
                        .setRuleId("sensitive.payment-card")
                        .setCategory(RiskCategory.PAYMENT_CARD)
                        .setSeverity(Severity.HIGH)
                        .setEvidence("card number, 16 digits, ending 1111")
                        .build()))
                .setTriggeringEventId(UUID.randomUUID())
                .build();
        events.send(Topics.ABUSE_FLAGS.name(), "user_f", flag).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(ABUSE_FLAGS, ABUSE_FLAGS.FLAG_ID.eq(flag.getEventId())));
        var row = db.selectFrom(ABUSE_FLAGS)
                .where(ABUSE_FLAGS.FLAG_ID.eq(flag.getEventId()))
                .fetchOne();
        assertThat(row.getDecision()).isEqualTo("BLOCK");
        assertThat(row.getCategories()).isEqualTo("PAYMENT_CARD");
        assertThat(row.getReasons()).contains("\"evidence\":\"card number, 16 digits, ending 1111\"");
    }

    @Test
    void aPoisonRecordIsDeadLetteredWithItsBytesAndTheNextRecordIsProjected(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given bytes that are not an event on the topic, followed by a valid message of the same session
        UUID session = UUID.randomUUID();
        byte[] poison = ("\u00c3garbage " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.name(), session.toString().getBytes(), poison))
                    .get(10, TimeUnit.SECONDS);
        }
        ChatMessageScreened after = message(session, "user_p", "after the poison");
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), after).get(10, TimeUnit.SECONDS);

        // then the next record is projected
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(after.getMessageId())));

        // and the poison is on the DLT, bytes intact, with where it came from and why: the chat projector's
        // dead letter (every projector reading the topic, the audit trail's and the dashboards' too, writes its own)
        var record = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.CHAT_SCREENED.deadLetterName(),
                        r -> Arrays.equals(r.value(), poison)
                                && "donna-projections-chat".equals(header(r, "kafka_dlt-original-consumer-group")),
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(session.toString());
        assertThat(header(record, "kafka_dlt-original-topic")).isEqualTo(Topics.CHAT_SCREENED.name());
        assertThat(header(record, "kafka_dlt-original-consumer-group")).isEqualTo("donna-projections-chat");
        assertThat(header(record, "donna_dlt-reason")).contains("C3 01");
    }

    @Test
    void aRecordTheDatabaseRefusesIsDeadLetteredAloneAndTheRestOfItsBatchIsKept(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given a message whose author id is longer than the read model holds, between two good ones
        UUID session = UUID.randomUUID();
        ChatMessageScreened first = message(session, "user_d", "first");
        ChatMessageScreened unfit = message(session, "u".repeat(300), "from an impossible user");
        ChatMessageScreened last = message(session, "user_d", "last");
        for (ChatMessageScreened m : List.of(first, unfit, last)) {
            events.send(Topics.CHAT_SCREENED.name(), session.toString(), m).get(10, TimeUnit.SECONDS);
        }

        // then the good rows are there once, the projector lives on, and the unfit one is on the DLT
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(last.getMessageId())));
        assertThat(db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)))
                .isEqualTo(2);
        TopicReader.readUntilFound(
                kafka.servers(),
                Topics.CHAT_SCREENED.deadLetterName(),
                r -> header(r, "donna_dlt-reason").contains("too long"),
                Duration.ofSeconds(30));
        healthShowsKafkaDatabaseAndProjectorsUp();
    }

    @Test
    void aRetriedMessageIsOneTurnAndTextWithNulIsKeptNotDropped() throws Exception {
        UUID session = UUID.randomUUID();
        ChatMessageScreened retried = message(session, "user_r", "book me in");
        ChatMessageScreened withNul = message(session, "user_r", "written before \u0000 was refused");
        for (ChatMessageScreened m : List.of(retried, retried, withNul)) {
            events.send(Topics.CHAT_SCREENED.name(), session.toString(), m).get(10, TimeUnit.SECONDS);
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(withNul.getMessageId())));
        assertThat(db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(retried.getMessageId())))
                .isEqualTo(1);
        assertThat(db.select(CHAT_MESSAGES.BODY)
                        .from(CHAT_MESSAGES)
                        .where(CHAT_MESSAGES.MESSAGE_ID.eq(withNul.getMessageId()))
                        .fetchOne(CHAT_MESSAGES.BODY))
                .isEqualTo("written before \ufffd was refused");
    }

    @Test
    void aMessageRetriedAfterItWasProjectedIsStillOneTurnAndIsNotDeadLettered(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given a message already in the read model
        UUID session = UUID.randomUUID();
        ChatMessageScreened retried = message(session, "user_q", "a table for two");
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), retried).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(retried.getMessageId())));

        // when it reaches the topic again, followed by a new message and then a marker the projector refuses
        ChatMessageScreened next = message(session, "user_q", "at seven");
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), retried).get(10, TimeUnit.SECONDS);
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), next).get(10, TimeUnit.SECONDS);
        byte[] marker = ("\u00c3marker " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.name(), session.toString().getBytes(), marker))
                    .get(10, TimeUnit.SECONDS);
        }

        // then the new message is kept, the retried one is one row, and the first dead letter of the
        // session's partition after it is the marker: the retried message was skipped, not dead-lettered
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(next.getMessageId())));
        assertThat(db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)))
                .isEqualTo(2);
        var firstDeadLetter = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.CHAT_SCREENED.deadLetterName(),
                        r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(session.toString()),
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(firstDeadLetter.value()).isEqualTo(marker);
    }

    /**
     * Earlier versions wrote reply fragments to donna.chat.replies; those records stay there for ever and
     * must be skipped as before (on a replay too), not dead-lettered as events that do not belong.
     */
    @Test
    void aFragmentAnEarlierVersionWroteAmongTheRepliesIsSkippedNotDeadLettered(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        UUID session = UUID.randomUUID();
        ChatMessageScreened question = message(session, "user_f", "do you deliver?");
        events.send(Topics.CHAT_SCREENED.name(), session.toString(), question).get(10, TimeUnit.SECONDS);
        UUID replyId = UUID.randomUUID();
        ChatReplyDelta fragment = ChatReplyDelta.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(question.getOccurredAt().plusMillis(300))
                .setSessionId(session)
                .setReplyId(replyId)
                .setInReplyToMessageId(question.getMessageId())
                .setUserId("user_f")
                .setSequence(0)
                .setDelta("We do")
                .build();
        ChatReplyProduced answer = ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(question.getOccurredAt().plusMillis(900))
                .setSessionId(session)
                .setReplyId(replyId)
                .setInReplyToMessageId(question.getMessageId())
                .setUserId("user_f")
                .setText("We do, within ten miles.")
                .setDecision(Decision.ALLOW)
                .setDegraded(false)
                .build();
        byte[] marker = ("\u00c3marker " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // as the older chat-processor wrote them: the fragment, then the reply, on the one topic
            for (byte[] value : List.of(
                    EventCodec.bundled().encode(fragment), EventCodec.bundled().encode(answer), marker)) {
                producer.send(new ProducerRecord<>(
                                Topics.CHAT_REPLIES.name(), session.toString().getBytes(), value))
                        .get(10, TimeUnit.SECONDS);
            }
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(replyId)));
        // the question comes from another topic, which the projector may read a moment later
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)) >= 2);
        assertThat(db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)))
                .as("the question and the reply; the fragment skipped")
                .isEqualTo(2);
        var firstDeadLetter = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.CHAT_REPLIES.deadLetterName(),
                        r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(session.toString()),
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(firstDeadLetter.value()).as("the marker, not the fragment").isEqualTo(marker);
    }

    @Test
    void aRecordWithoutAValueIsDeadLetteredNotSkipped(InfraExtension.KafkaBootstrap kafka) throws Exception {
        UUID session = UUID.randomUUID();
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.name(), session.toString().getBytes(), null))
                    .get(10, TimeUnit.SECONDS);
        }

        var record = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.CHAT_SCREENED.deadLetterName(),
                        r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(session.toString()),
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(record.value()).isNull();
        assertThat(header(record, "donna_dlt-reason")).contains("without a value");
    }

    @Test
    void healthShowsKafkaDatabaseAndProjectorsUp() throws Exception {
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("\"kafka\":{\"status\":\"UP\"}")
                .contains("\"db\":{\"status\":\"UP\"}")
                .contains("\"projectors\":{\"status\":\"UP\"}");
    }

    static ChatMessageScreened message(UUID session, String user, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId(user)
                .setText(text)
                .setVerdict(app.donna.events.common.Verdict.newBuilder()
                        .setDecision(Decision.ALLOW)
                        .build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }
}
