package app.donna.projections;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.CHAT_SESSIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + ProjectionsApplication.CONFIG_NAME)
@TestPropertySource(properties = {
    "donna.projections.poll-timeout=100ms"})
class ProjectionsServiceTest {

    @Autowired
    KafkaTemplate<String, SpecificRecordBase> events;

    @Autowired
    DSLContext db;

    @LocalServerPort
    int port;

    @Test
    void projectsSubmittedMessagesIntoSessionsAndMessages() throws Exception {
        UUID session = UUID.randomUUID();
        ChatMessageSubmitted first = message(session, "user_a", "hello");
        ChatMessageSubmitted second = message(session, "user_a", "are you open on Sunday?");
        events.send(Topics.CHAT_INBOUND.name(), session.toString(), first).get(10, TimeUnit.SECONDS);
        events.send(Topics.CHAT_INBOUND.name(), session.toString(), second).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.SESSION_ID.eq(session)) == 2);
        var sessionRow = db.selectFrom(CHAT_SESSIONS).where(CHAT_SESSIONS.SESSION_ID.eq(session)).fetchOne();
        assertThat(sessionRow.getOwnerUserId()).isEqualTo("user_a");
        assertThat(sessionRow.getCreatedAt()).isEqualTo(first.getOccurredAt());
        assertThat(db.select(CHAT_MESSAGES.BODY).from(CHAT_MESSAGES).where(CHAT_MESSAGES.SESSION_ID.eq(session))
                .orderBy(CHAT_MESSAGES.OCCURRED_AT, CHAT_MESSAGES.MESSAGE_ID).fetch(CHAT_MESSAGES.BODY))
                .containsExactlyInAnyOrder("hello", "are you open on Sunday?");
    }

    @Test
    void aPoisonRecordIsDeadLetteredWithItsBytesAndTheNextRecordIsProjected(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given bytes that are not an event on the topic, followed by a valid message of the same session
        UUID session = UUID.randomUUID();
        byte[] poison = ("\u00c3garbage " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHAT_INBOUND.name(), session.toString().getBytes(), poison))
                    .get(10, TimeUnit.SECONDS);
        }
        ChatMessageSubmitted after = message(session, "user_p", "after the poison");
        events.send(Topics.CHAT_INBOUND.name(), session.toString(), after).get(10, TimeUnit.SECONDS);

        // then the next record is projected
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.fetchExists(CHAT_MESSAGES, CHAT_MESSAGES.MESSAGE_ID.eq(after.getMessageId())));

        // and the poison is on the DLT, bytes intact, with where it came from and why
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", kafka.servers(),
                "group.id", "dlt-check-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHAT_INBOUND.deadLetterName()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.stream().anyMatch(r -> Arrays.equals(r.value(), poison));
            });
        }
        var record = dead.stream().filter(r -> Arrays.equals(r.value(), poison)).findFirst().orElseThrow();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(session.toString());
        assertThat(header(record, "kafka_dlt-original-topic")).isEqualTo(Topics.CHAT_INBOUND.name());
        assertThat(header(record, "kafka_dlt-original-consumer-group")).isEqualTo("donna-projections-chat");
        assertThat(header(record, "donna_dlt-reason")).contains("C3 01");
    }

    @Test
    void healthShowsKafkaDatabaseAndProjectorsUp() throws Exception {
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"kafka\":{\"status\":\"UP\"}")
                .contains("\"db\":{\"status\":\"UP\"}")
                .contains("\"projectors\":{\"status\":\"UP\"}");
    }

    static ChatMessageSubmitted message(UUID session, String user, String text) {
        return ChatMessageSubmitted.newBuilder().setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setSessionId(session)
                .setMessageId(UUID.randomUUID()).setUserId(user).setText(text).build();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
