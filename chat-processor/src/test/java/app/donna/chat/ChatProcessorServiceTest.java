package app.donna.chat;

import static app.donna.localinfra.StandInOpenAi.answer;
import static app.donna.localinfra.StandInOpenAi.delay;
import static app.donna.localinfra.StandInOpenAi.hang;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.chat.reply.ReplyComposer;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyDelayReason;
import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * chat-processor against the real broker: a message whose answer is unfinished at a stop, and a model
 * that hangs.
 */
@ExtendWith(InfraExtension.class)
// Each test's application reads donna.chat.screened from the start of the shared broker: the restart test
// counts the model calls it sees, so it runs before the other leaves messages behind.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChatProcessorServiceTest {

    final StandInOpenAi openAi = new StandInOpenAi();
    final String applicationId = "chat-processor-test-" + UUID.randomUUID();

    @AfterEach
    void closeModel() {
        openAi.close();
    }

    @Test
    @Order(1)
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

            assertThat(replies)
                    .extracting(ChatReplyProduced::getInReplyToMessageId)
                    .containsExactly(question.getMessageId(), marker.getMessageId());
            assertThat(replies.getFirst().getText()).isEqualTo("We open at nine.");
            assertThat(openAi.requests()).hasSize(3);
            assertThat(openAi.requests().get(2))
                    .as("the marker's context holds the re-made answer")
                    .contains("We open at nine.");
        } finally {
            second.close();
        }
    }

    @Test
    @Order(2)
    void aModelThatHangsGetsTheClientAStatusThenAnOfflineAnswerAtTheDeadlineAndOpensTheCircuit(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        // The broker is shared: this application also reads what other tests left on the topic, which the
        // model answers at once; it hangs on this test's questions only.
        String tag = "#" + UUID.randomUUID().toString().substring(0, 8);
        ChatMessageScreened question = screened(UUID.randomUUID(), "when do you open? " + tag + "-1");
        ChatMessageScreened next = screened(UUID.randomUUID(), "how much is a haircut? " + tag + "-2");
        openAi.whenAsked(tag, hang()).byDefault(answer("Hello."));
        // the client alone would wait 30 s per attempt, three times: the deadlines end it long before
        ConfigurableApplicationContext app = start(
                "--donna.chat.llm.max-retries=2",
                "--donna.chat.llm.slow-notice=300ms",
                "--donna.chat.llm.first-token-timeout=2s",
                "--donna.chat.llm.answer-timeout=5s",
                "--donna.chat.llm.breaker-failures=1");
        try {
            long sent = System.nanoTime();
            send(kafka, question);

            List<SpecificRecordBase> events =
                    eventsUntilAnswered(kafka, question.getSessionId(), question.getMessageId());
            Duration took = Duration.ofNanos(System.nanoTime() - sent);

            assertThat(events.getFirst())
                    .isInstanceOfSatisfying(
                            ChatReplyDelayed.class,
                            delayed -> assertThat(delayed.getReason()).isEqualTo(ChatReplyDelayReason.MODEL_SLOW));
            assertThat(events.getLast()).isInstanceOfSatisfying(ChatReplyProduced.class, reply -> {
                assertThat(reply.getDegraded()).isTrue();
                assertThat(reply.getDegradedReason()).isEqualTo(ReplyComposer.TIMEOUT);
                assertThat(reply.getModel()).isNull();
                assertThat(reply.getText()).contains("opening hours");
            });
            assertThat(took).as("formerly 68 s").isLessThan(Duration.ofSeconds(30));
            assertThat(app.getBean(ReplyComposer.class).answersOfflineNow())
                    .as("the circuit is open")
                    .isTrue();

            send(kafka, next);
            assertThat(eventsUntilAnswered(kafka, next.getSessionId(), next.getMessageId())
                            .getLast())
                    .isInstanceOfSatisfying(
                            ChatReplyProduced.class,
                            reply -> assertThat(reply.getDegradedReason()).isEqualTo(ReplyComposer.CIRCUIT_OPEN));
            assertThat(openAi.requests())
                    .filteredOn(request -> request.contains(tag))
                    .as("one call, cancelled and not retried; none while the circuit is open")
                    .hasSize(1);
            assertThat(app.getBean("chatAnswers", HealthIndicator.class)
                            .health()
                            .getStatus())
                    .isEqualTo(Status.UP);
        } finally {
            app.close();
        }
    }

    @Test
    @Order(3)
    void aVisitorWhoseDailyBudgetIsSpentIsAnsweredOfflineSayingSoWhileOthersStillHearTheModel(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        String tag = "#" + UUID.randomUUID().toString().substring(0, 8);
        String visitor = "anon:budget-" + tag;
        openAi.byDefault(answer("We open at nine."));
        SharedInfra.ensureTopic(Topics.WORKSPACE.name(), 3, Map.of("cleanup.policy", "compact"));
        ConfigurableApplicationContext app = start();
        try {
            ChatMessageScreened first = screened(UUID.randomUUID(), visitor, "when do you open? " + tag);
            send(kafka, first);
            ChatReplyProduced fromModel = repliesUntilAnswered(kafka, first.getSessionId(), first.getMessageId())
                    .getLast();
            assertThat(fromModel.getDegraded()).isFalse();

            // projections' keeper finds the visitor's budget spent (the default workspace's visitor: no id)
            TokenBudgetSpent spent = TokenBudgetSpent.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .setWorkspaceId("default")
                    .setDay(LocalDate.now(ZoneOffset.UTC))
                    .setSubject(visitor)
                    .setUsedTokens(50_100)
                    .setLimitTokens(50_000)
                    .build();
            try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                    Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                    new StringSerializer(),
                    new CatalogSerializer())) {
                producer.send(new ProducerRecord<>(
                                Topics.WORKSPACE.name(), Topics.budgetKey("default", spent.getDay(), visitor), spent))
                        .get(10, TimeUnit.SECONDS);
            }
            ReplyComposer composer = app.getBean(ReplyComposer.class);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> composer.in(null).budgetSpent(visitor).isPresent());
            int asked = openAi.requests().size();

            ChatMessageScreened next = screened(first.getSessionId(), visitor, "and on Sundays? " + tag);
            send(kafka, next);
            ChatReplyProduced offline = repliesUntilAnswered(kafka, next.getSessionId(), next.getMessageId())
                    .getLast();
            assertThat(offline.getDegraded()).isTrue();
            assertThat(offline.getDegradedReason()).isEqualTo(ReplyComposer.BUDGET);
            assertThat(offline.getText()).startsWith(ReplyComposer.BUDGET_NOTE);
            assertThat(offline.getModel()).isNull();

            ChatMessageScreened someoneElse = screened(UUID.randomUUID(), "anon:other-" + tag, "hello " + tag);
            send(kafka, someoneElse);
            assertThat(repliesUntilAnswered(kafka, someoneElse.getSessionId(), someoneElse.getMessageId())
                            .getLast()
                            .getDegraded())
                    .as("another visitor of the workspace")
                    .isFalse();
            assertThat(openAi.requests().subList(asked, openAi.requests().size()))
                    .as("the spent visitor's question never reached the model")
                    .noneMatch(request -> request.contains("and on Sundays?"));
        } finally {
            app.close();
        }
    }

    /** @param overrides {@code --name=value} arguments that replace or add to the defaults here */
    private ConfigurableApplicationContext start(String... overrides) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : List.of(
                "--server.port=0",
                "--donna.chat.application-id=" + applicationId,
                "--donna.chat.llm.base-url=" + openAi.baseUrl(),
                "--donna.chat.llm.api-key=sk-test",
                "--donna.chat.llm.timeout=30s",
                "--donna.chat.llm.max-retries=0",
                "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"))) {
            args.put(arg.substring(0, arg.indexOf('=')), arg);
        }
        for (String arg : overrides) {
            args.put(arg.substring(0, arg.indexOf('=')), arg);
        }
        return ChatProcessorApplication.application().run(args.values().toArray(String[]::new));
    }

    private static void send(InfraExtension.KafkaBootstrap kafka, ChatMessageScreened message) throws Exception {
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new CatalogSerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.name(), message.getSessionId().toString(), message))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The session's events on the replies and fragments topics, in the order written, up to and including the
     * reply to {@code last}.
     */
    private static List<SpecificRecordBase> eventsUntilAnswered(
            InfraExtension.KafkaBootstrap kafka, UUID session, UUID last) {
        List<SpecificRecordBase> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        kafka.servers(),
                        "group.id",
                        "replies-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest",
                        "isolation.level",
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.CHAT_REPLIES.name(), Topics.CHAT_REPLY_FRAGMENTS.name()));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(session.toString())) {
                        records.add(r);
                        events.add(EventCodec.bundled().decode(r.value()));
                    }
                });
                return events.stream()
                        .anyMatch(e -> e instanceof ChatReplyProduced reply
                                && reply.getInReplyToMessageId().equals(last));
            });
            // two topics: in the order they were written, not the order the consumer fetched them
            records.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
            return records.stream()
                    .map(r -> EventCodec.bundled().decode(r.value()))
                    .toList();
        }
    }

    /** The session's committed replies, in order, up to and including the one to {@code last}. */
    private static List<ChatReplyProduced> repliesUntilAnswered(
            InfraExtension.KafkaBootstrap kafka, UUID session, UUID last) {
        List<ChatReplyProduced> replies = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        "bootstrap.servers",
                        kafka.servers(),
                        "group.id",
                        "replies-" + UUID.randomUUID(),
                        "auto.offset.reset",
                        "earliest",
                        "isolation.level",
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
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
        return screened(session, "user-restart", text);
    }

    private static ChatMessageScreened screened(UUID session, String user, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId(user)
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }
}
