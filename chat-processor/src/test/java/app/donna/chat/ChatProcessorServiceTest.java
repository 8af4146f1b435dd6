package app.donna.chat;

import static app.donna.localinfra.StandInOpenAi.answer;
import static app.donna.localinfra.StandInOpenAi.delay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/** chat-processor against the real broker: what happens to a message whose answer is unfinished at a stop. */
@ExtendWith(InfraExtension.class)
class ChatProcessorServiceTest {

    final StandInOpenAi openAi = new StandInOpenAi();
    final String applicationId = "chat-processor-test-" + UUID.randomUUID();

    @AfterEach
    void closeModel() {
        openAi.close();
    }

    @Test
    void aMessageWhoseAnswerWasUnfinishedWhenTheInstanceStoppedIsAnsweredOnceByTheNextOne(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        openAi.then(delay(10_000, answer("too late"))).byDefault(answer("We open at nine."));
        UUID session = UUID.randomUUID();
        ChatMessageScreened question = screened(session, "when do you open?");

        ConfigurableApplicationContext first = start();
        try {
            send(kafka, question);
            await().atMost(Duration.ofSeconds(60)).until(() -> openAi.requests().size() == 1);
        } finally {
            first.close(); // the model is still writing: this answer never arrives
        }
        // a new instance with empty local state: it has only the changelogs to go on
        ConfigurableApplicationContext second = start();
        try {
            ChatMessageScreened marker = screened(session, "thanks!");
            send(kafka, marker);

            List<ChatReplyProduced> replies = repliesUntilAnswered(kafka, session, marker.getMessageId());

            assertThat(replies).extracting(ChatReplyProduced::getInReplyToMessageId)
                    .containsExactly(question.getMessageId(), marker.getMessageId());
            assertThat(replies.getFirst().getText()).isEqualTo("We open at nine.");
            assertThat(openAi.requests()).hasSize(3);
            assertThat(openAi.requests().get(2)).as("the marker's context holds the re-made answer")
                    .contains("We open at nine.");
        } finally {
            second.close();
        }
    }

    private ConfigurableApplicationContext start() throws Exception {
        return ChatProcessorApplication.application().run("--server.port=0",
                "--donna.chat.application-id=" + applicationId,
                "--donna.chat.llm.base-url=" + openAi.baseUrl(), "--donna.chat.llm.api-key=sk-test",
                "--donna.chat.llm.timeout=30s", "--donna.chat.llm.max-retries=0",
                "--donna.chat.state-dir=" + Files.createTempDirectory("chat-state"));
    }

    private static void send(InfraExtension.KafkaBootstrap kafka, ChatMessageScreened message) throws Exception {
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()), new StringSerializer(),
                new CatalogSerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHAT_SCREENED.name(), message.getSessionId().toString(), message))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    /** The session's committed replies, in order, up to and including the one to {@code last}. */
    private static List<ChatReplyProduced> repliesUntilAnswered(InfraExtension.KafkaBootstrap kafka, UUID session,
            UUID last) {
        List<ChatReplyProduced> replies = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", kafka.servers(),
                "group.id", "replies-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHAT_REPLIES.name()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (EventCodec.bundled().decode(r.value()) instanceof ChatReplyProduced reply
                            && reply.getSessionId().equals(session)) {
                        replies.add(reply);
                    }
                });
                return replies.stream().anyMatch(r -> r.getInReplyToMessageId().equals(last));
            });
        }
        return replies;
    }

    private static ChatMessageScreened screened(UUID session, String text) {
        return ChatMessageScreened.newBuilder().setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setSessionId(session)
                .setMessageId(UUID.randomUUID()).setUserId("user-restart").setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID()).build();
    }
}
