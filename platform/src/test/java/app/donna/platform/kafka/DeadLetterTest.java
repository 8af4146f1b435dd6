package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.TestPropertySource;

/** The shared error handler: poison records go straight to the DLT, failing ones after bounded retries. */
@ExtendWith(InfraExtension.class)
@SpringBootTest(classes = PlatformTestApplication.class)
@TestPropertySource(
        properties = {
            "platform-test.listener=true",
            "donna.security.jwt.jwk-set-uri=http://127.0.0.1:9/unused",
            "donna.kafka.retry.max-attempts=2",
            "donna.kafka.retry.initial-interval=20ms",
            "spring.main.web-application-type=servlet",
            "server.port=0"
        })
class DeadLetterTest {

    @Autowired
    KafkaTemplate<String, SpecificRecordBase> events;

    @Autowired
    BlockingQueue<SpecificRecordBase> processed;

    @Autowired
    MeterRegistry meters;

    @Test
    void poisonGoesToTheDeadLetterTopicWithItsBytesIntactAndTheConsumerMovesOn(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given bytes that are not an event, then an event the listener fails on, then a good one
        byte[] poison = ("not an event " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHAT_INBOUND.name(), "poison-key".getBytes(), poison))
                    .get(10, TimeUnit.SECONDS);
        }
        ChatMessageSubmitted failing = message("please fail-processing");
        ChatMessageSubmitted good = message("a good message");
        events.send(Topics.CHAT_INBOUND.name(), failing.getSessionId().toString(), failing)
                .get(10, TimeUnit.SECONDS);
        events.send(Topics.CHAT_INBOUND.name(), good.getSessionId().toString(), good)
                .get(10, TimeUnit.SECONDS);

        // then the good one is processed
        await().atMost(Duration.ofSeconds(30)).until(() -> processed.contains(good));

        // and both others are dead letters with error headers; the poison kept its exact bytes
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        kafka.servers(),
                        "group.id",
                        "dlt-reader-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHAT_INBOUND.deadLetterName()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.stream().anyMatch(r -> java.util.Arrays.equals(r.value(), poison))
                        && dead.stream()
                                .anyMatch(r -> header(r, "ce_id")
                                        .equals(failing.getEventId().toString()));
            });
        }
        ConsumerRecord<byte[], byte[]> poisonDlt = dead.stream()
                .filter(r -> java.util.Arrays.equals(r.value(), poison))
                .findFirst()
                .orElseThrow();
        assertThat(new String(poisonDlt.key(), StandardCharsets.UTF_8)).isEqualTo("poison-key");
        assertThat(header(poisonDlt, "kafka_dlt-original-topic")).isEqualTo(Topics.CHAT_INBOUND.name());
        assertThat(header(poisonDlt, "donna_dlt-reason")).contains("C3 01");
        ConsumerRecord<byte[], byte[]> failedDlt = dead.stream()
                .filter(r -> header(r, "ce_id").equals(failing.getEventId().toString()))
                .findFirst()
                .orElseThrow();
        assertThat(header(failedDlt, "kafka_dlt-exception-message")).contains("processing failed on purpose");
        assertThat(processed).doesNotContain(failing);
        assertThat(meters.get("donna.dead.letters")
                        .tag("topic", Topics.CHAT_INBOUND.name())
                        .counter()
                        .count())
                .as("both dead letters counted under the topic they came from")
                .isGreaterThanOrEqualTo(2);
    }

    private static ChatMessageSubmitted message(String text) {
        return ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setMessageId(UUID.randomUUID())
                .setUserId("user_dlt")
                .setText(text)
                .build();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
