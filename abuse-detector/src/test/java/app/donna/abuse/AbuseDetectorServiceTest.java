package app.donna.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.common.Decision;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The abuse detector against the real broker: exactly-once screening, poison to the DLT, and the first
 * verdict committed at once rather than at the commit interval.
 */
@ExtendWith(InfraExtension.class)
class AbuseDetectorServiceTest {

    static ConfigurableApplicationContext app;

    @BeforeAll
    static void start() throws Exception {
        // A commit interval far beyond the test's patience: the verdict below is read committed, so it can
        // only arrive in time if the application asked to commit it at once (EagerCommits). The first
        // verdict after start is the only one that does not wait an interval, so the class screens one.
        app = AbuseDetectorApplication.application()
                .run(
                        "--server.port=0",
                        "--donna.kafka.streams-commit-interval=5m",
                        "--donna.abuse.state-dir=" + SharedInfra.scratchDir("abuse-state"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void poisonGoesToTheDeadLetterTopicAndTheNextMessageIsScreenedAndCommittedAtOnce(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        UUID session = UUID.randomUUID();
        byte[] poison = ("not an event " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        ChatMessageSubmitted good = ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId("svc-user")
                .setText("do you deliver?")
                .build();
        RecordMetadata poisonSent;
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            byte[] key = good.getUserId().getBytes(StandardCharsets.UTF_8);
            poisonSent = producer.send(new ProducerRecord<>(Topics.CHAT_INBOUND.name(), key, poison))
                    .get(10, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_INBOUND.name(),
                            key,
                            EventCodec.bundled().encode(good)))
                    .get(10, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> screened = TopicReader.readUntilFound(
                kafka.servers(),
                Topics.CHAT_SCREENED.name(),
                r -> r.value() != null
                        && new String(r.value(), StandardCharsets.ISO_8859_1).contains("do you deliver?"),
                Duration.ofSeconds(60));
        ChatMessageScreened s = (ChatMessageScreened)
                EventCodec.bundled().decode(screened.getFirst().value());
        assertThat(s.getMessageId()).isEqualTo(good.getMessageId());
        assertThat(s.getVerdict().getDecision()).isEqualTo(Decision.ALLOW);
        assertThat(new String(
                        screened.getFirst().headers().lastHeader("ce_source").value(), StandardCharsets.UTF_8))
                .isEqualTo("urn:donna:abuse-detector");

        List<ConsumerRecord<byte[], byte[]>> dead = TopicReader.readUntilFound(
                kafka.servers(),
                Topics.CHAT_INBOUND.deadLetterName(),
                r -> Arrays.equals(r.value(), poison),
                Duration.ofSeconds(60));
        ConsumerRecord<byte[], byte[]> deadLetter = dead.getFirst();
        assertThat(new String(
                        deadLetter.headers().lastHeader("donna_dlt-reason").value(), StandardCharsets.UTF_8))
                .contains("C3 01");
        // where the poison was, in the headers Spring's recoverer writes for listeners, on the same partition
        assertThat(deadLetter.partition()).isEqualTo(poisonSent.partition());
        assertThat(TopicReader.header(deadLetter, "kafka_dlt-original-topic")).isEqualTo(Topics.CHAT_INBOUND.name());
        assertThat(ByteBuffer.wrap(deadLetter
                                .headers()
                                .lastHeader("kafka_dlt-original-partition")
                                .value())
                        .getInt())
                .isEqualTo(poisonSent.partition());
        assertThat(ByteBuffer.wrap(deadLetter
                                .headers()
                                .lastHeader("kafka_dlt-original-offset")
                                .value())
                        .getLong())
                .isEqualTo(poisonSent.offset());
        assertThat(TopicReader.header(deadLetter, "kafka_dlt-original-consumer-group"))
                .isEqualTo("donna-abuse-detector");
        assertThat(TopicReader.header(deadLetter, "kafka_dlt-exception-message"))
                .contains("C3 01");
        // and the stream app carried on, healthy
        assertThat(app.getBean("kafkaStreams", HealthIndicator.class).health().getStatus())
                .isEqualTo(Status.UP);
    }
}
