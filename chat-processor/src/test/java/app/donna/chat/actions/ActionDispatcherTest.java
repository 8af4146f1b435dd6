package app.donna.chat.actions;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.chat.ChatProcessorApplication;
import app.donna.chat.webhook.WebhookSignature;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.events.common.EventSource;
import app.donna.localinfra.StandInOpenAi;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import app.donna.testing.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The webhook dispatcher on the real broker against a local receiver that checks every signature: one
 * delivery per action, retries on 500 and on a timeout, no retry of a 404, the dead-letter topic after the
 * last attempt, internal addresses refused without a call, and no second delivery of an action a receiver
 * took, even published again and read by a restarted dispatcher, or delivered just as the broker went away
 * (recorded once it is back, health DOWN meanwhile, the partition going on after).
 */
@ExtendWith(InfraExtension.class)
class ActionDispatcherTest {

    static final String SECRET = "a-signing-secret-of-32-bytes-or-more!";
    static final EventCodec CODEC = EventCodec.bundled();
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The first delivery to /held has arrived, and waits for the test to release it. */
    final CountDownLatch heldArrived = new CountDownLatch(1);

    final CountDownLatch heldReleased = new CountDownLatch(1);

    /**
     * The business: 200 on /ok when signed, 500 then 200 on /flaky, slow then 200 on /slow, 404, 500, and
     * on /held 200 once the test releases it.
     */
    final WebhookReceiver receiver = new WebhookReceiver(
            WebhookSignature.HEADER, ActionDispatcherTest::signs, (path, call, signed) -> switch (path) {
                case "/ok" -> signed ? 200 : 401;
                case "/flaky" -> call == 1 ? 500 : 200;
                case "/slow" -> {
                    if (call == 1) {
                        sleep(3_000);
                    }
                    yield 200;
                }
                case "/gone" -> 404;
                case "/held" -> {
                    if (call == 1) {
                        heldArrived.countDown();
                        await(heldReleased);
                    }
                    yield 200;
                }
                default -> 500;
            });

    final StandInOpenAi openAi = new StandInOpenAi();
    final String group = UUID.randomUUID().toString();
    final List<ConfigurableApplicationContext> apps = new ArrayList<>();

    @AfterEach
    void stop() {
        apps.forEach(ConfigurableApplicationContext::close);
        receiver.close();
        openAi.close();
    }

    @Test
    void everyActionIsDeliveredOnceSignedRetriedWhenItMayPassAndDeadLetteredWhenItCannot(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        apps.add(start(kafka));

        ActionRequested ok = request("t.ok", "{\"caller_name\":\"Ada\",\"message\":\"Call me\"}");
        ActionRequested flaky = request("t.flaky", "{}");
        ActionRequested slow = request("t.slow", "{}");
        ActionRequested gone = request("t.gone", "{}");
        ActionRequested down = request("t.down", "{}");
        ActionRequested metadata = request("t.metadata", "{}");
        for (ActionRequested action : List.of(ok, flaky, slow, gone, down, metadata)) {
            publish(kafka, action);
        }

        ActionDelivered delivered = outcome(kafka, ok, ActionDelivered.class);
        assertThat(delivered.getAttempt()).isEqualTo(1);
        assertThat(delivered.getResponseStatus()).isEqualTo(200);
        WebhookReceiver.Delivery first = only("/ok");
        assertThat(first.signed()).as("the receiver verified the signature").isTrue();
        assertThat(first.idempotencyKey()).isEqualTo(ok.getActionId().toString());
        JsonNode body = JSON.readTree(first.body());
        assertThat(body.get("type").asString()).isEqualTo("t.ok");
        assertThat(body.get("source").asString()).isEqualTo("VOICE");
        assertThat(body.at("/payload/caller_name").asString()).isEqualTo("Ada");

        assertThat(outcome(kafka, flaky, ActionDelivered.class).getAttempt())
                .as("500, then 200")
                .isEqualTo(2);
        assertThat(outcome(kafka, flaky, ActionFailed.class).getRetryable()).isTrue();
        assertThat(outcome(kafka, slow, ActionDelivered.class).getAttempt())
                .as("a timeout, then 200")
                .isEqualTo(2);
        assertThat(outcome(kafka, slow, ActionFailed.class).getError()).contains("did not answer within PT1S");

        ActionFailed notFound = outcome(kafka, gone, ActionFailed.class);
        assertThat(notFound.getRetryable()).isFalse();
        assertThat(notFound.getError()).contains("404");
        assertThat(receiver.calls("/gone")).as("a 404 is not retried").isEqualTo(1);
        deadLettered(kafka, gone);

        deadLettered(kafka, down);
        assertThat(receiver.calls("/down")).as("every attempt").isEqualTo(3);
        List<ActionFailed> downs = outcomes(kafka, down, ActionFailed.class, 3);
        assertThat(downs).extracting(ActionFailed::getRetryable).containsExactly(true, true, false);

        ActionFailed refused = outcome(kafka, metadata, ActionFailed.class);
        assertThat(refused.getError()).contains("internal address");
        assertThat(refused.getRetryable()).isFalse();
        deadLettered(kafka, metadata);

        // the same request published again, and a marker behind it in the same partition
        publish(kafka, ok);
        ActionRequested marker = request("t.ok", "{}");
        publish(kafka, marker);
        outcome(kafka, marker, ActionDelivered.class);
        assertThat(receiver.deliveries())
                .filteredOn(r -> r.idempotencyKey().equals(ok.getActionId().toString()))
                .hasSize(1);

        // a restarted dispatcher learns what was delivered from the topic
        apps.removeFirst().close();
        apps.add(start(kafka));
        publish(kafka, ok);
        ActionRequested second = request("t.ok", "{}");
        publish(kafka, second);
        outcome(kafka, second, ActionDelivered.class);
        assertThat(receiver.deliveries())
                .filteredOn(r -> r.idempotencyKey().equals(ok.getActionId().toString()))
                .hasSize(1);
    }

    @Test
    void anActionDeliveredAsTheBrokerGoesAwayIsRecordedWhenItIsBackAndNeverDeliveredAgain(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        // the producer gives an outcome up after 2 s without the broker's metadata, 4 s with it, so a
        // dispatcher that let that fail the record would call the webhook again well within the outage
        ConfigurableApplicationContext app = start(
                kafka,
                Duration.ofSeconds(60),
                "--spring.kafka.producer.properties.delivery.timeout.ms=4000",
                "--spring.kafka.producer.properties.request.timeout.ms=2000",
                "--spring.kafka.producer.properties.max.block.ms=2000");
        apps.add(app);
        String health =
                "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/actuator/health";
        ActionRequested held = request("t.held", "{}");
        publish(kafka, held);
        assertThat(heldArrived.await(60, TimeUnit.SECONDS)).isTrue();

        try (SharedInfra.Outage outage = SharedInfra.stopKafka()) {
            heldReleased.countDown(); // the business answers 200 while the broker is away
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(health) == 503);
            Thread.sleep(12_000); // three times the producer's delivery timeout
        }

        ActionDelivered delivered = outcome(kafka, held, ActionDelivered.class);
        assertThat(delivered.getAttempt()).isEqualTo(1);
        assertThat(receiver.calls("/held"))
                .as("delivered once, through the outage")
                .isEqualTo(1);
        // the partition goes on without a restart, and health says so
        ActionRequested after = request("t.held", "{}");
        publish(kafka, after);
        outcome(kafka, after, ActionDelivered.class);
        assertThat(receiver.deliveriesTo("/held"))
                .extracting(WebhookReceiver.Delivery::idempotencyKey)
                .containsExactly(
                        held.getActionId().toString(), after.getActionId().toString());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(health) == 200);
    }

    // the dispatcher, its receiver and its topics

    static int status(String url) throws Exception {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    ConfigurableApplicationContext start(InfraExtension.KafkaBootstrap kafka) {
        return start(kafka, Duration.ofSeconds(1));
    }

    ConfigurableApplicationContext start(InfraExtension.KafkaBootstrap kafka, Duration timeout, String... more) {
        String hooks = receiver.url();
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                "--server.port=0",
                "--donna.chat.application-id=chat-test-" + group,
                "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"),
                "--donna.chat.llm.base-url=" + openAi.baseUrl(),
                "--donna.chat.llm.api-key=sk-test",
                "--donna.actions.group-id=chat-actions-test-" + group,
                "--donna.actions.signing-secret=" + SECRET,
                "--donna.actions.timeout=" + timeout.toMillis() + "ms",
                "--donna.actions.attempts=3",
                "--donna.actions.first-retry-after=100ms",
                "--donna.actions.retry-multiplier=2",
                "--donna.actions.allowed-addresses=127.0.0.1",
                "--donna.actions.webhooks[t.ok]=" + hooks + "/ok",
                "--donna.actions.webhooks[t.flaky]=" + hooks + "/flaky",
                "--donna.actions.webhooks[t.slow]=" + hooks + "/slow",
                "--donna.actions.webhooks[t.gone]=" + hooks + "/gone",
                "--donna.actions.webhooks[t.down]=" + hooks + "/down",
                "--donna.actions.webhooks[t.held]=" + hooks + "/held",
                "--donna.actions.webhooks[t.metadata]=http://169.254.169.254/latest/meta-data"));
        args.addAll(List.of(more));
        return ChatProcessorApplication.application().run(args.toArray(String[]::new));
    }

    static boolean signs(String signature, String body) {
        return WebhookSignature.verify(
                SECRET.getBytes(StandardCharsets.UTF_8),
                signature,
                body,
                Instant.now().getEpochSecond(),
                300);
    }

    static ActionRequested request(String kind, String payload) {
        UUID id = UUID.randomUUID();
        return ActionRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setUserId("owner-of-" + kind)
                .setActionId(id)
                .setKind(kind)
                .setIntegration("tests")
                .setPayloadJson(payload)
                .setSource(EventSource.VOICE)
                .setSourceId(UUID.randomUUID().toString())
                .build();
    }

    static void publish(InfraExtension.KafkaBootstrap kafka, ActionRequested action) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.ACTIONS.name(), action.getUserId(), CODEC.encode(action)))
                    .get();
        }
    }

    WebhookReceiver.Delivery only(String path) {
        return assertThat(receiver.deliveriesTo(path)).singleElement().actual();
    }

    static <T extends SpecificRecordBase> T outcome(
            InfraExtension.KafkaBootstrap kafka, ActionRequested action, Class<T> type) {
        return outcomes(kafka, action, type, 1).getFirst();
    }

    static <T extends SpecificRecordBase> List<T> outcomes(
            InfraExtension.KafkaBootstrap kafka, ActionRequested action, Class<T> type, int count) {
        return TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.ACTIONS.name(),
                        r -> isOutcome(r, action, type),
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(r -> type.cast(CODEC.decode(r.value())))
                .toList();
    }

    static boolean isOutcome(ConsumerRecord<byte[], byte[]> r, ActionRequested action, Class<?> type) {
        SpecificRecordBase event = CODEC.decode(r.value());
        return type.isInstance(event) && action.getActionId().equals(event.get("actionId"));
    }

    static void deadLettered(InfraExtension.KafkaBootstrap kafka, ActionRequested action) {
        TopicReader.readUntilFound(
                kafka.servers(),
                Topics.ACTIONS.name() + ".DLT",
                r -> CODEC.decode(r.value()) instanceof ActionRequested a
                        && a.getActionId().equals(action.getActionId()),
                Duration.ofSeconds(30));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
