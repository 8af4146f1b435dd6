package app.donna.chat.actions;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.chat.ChatProcessorApplication;
import app.donna.chat.webhook.WebhookSignature;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionRequested;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.Verdict;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecordBase;
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
 * A chat customer leaves a message or asks for a booking, and the business hears of it as it would from a
 * call: chat-processor on the real broker, the model a stand-in speaking the real protocol, the webhook a
 * local receiver that checks each signature. The model's tool call becomes an action published with the
 * reply; when the model is down, the offline answer takes the request from the message itself; a message
 * delivered twice asks once.
 */
@ExtendWith(InfraExtension.class)
public class ChatRequestsTest {

    static final EventCodec CODEC = EventCodec.bundled();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String SECRET = "whsec-chat-requests-test-0123456789abcdef";

    final WebhookReceiver receiver = new WebhookReceiver(
            WebhookSignature.HEADER,
            (signature, body) -> WebhookSignature.verify(
                    SECRET.getBytes(StandardCharsets.UTF_8),
                    signature,
                    body,
                    Instant.now().getEpochSecond(),
                    300),
            (path, call, signed) -> signed ? 200 : 401);

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aMessageAndABookingAskedForInAChatReachTheBusinessOnce(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String run = UUID.randomUUID().toString();
        String arguments = "{\"caller_name\":\"Ann Lee\",\"callback_number\":\"07700 900123\","
                + "\"message\":\"Did I leave my blue coat there?\"}";
        String hooks = receiver.url();
        // keyed by the question: this app also answers chat messages other test classes left on the broker
        // the first registered text a request contains decides: a session's later questions carry the
        // earlier ones as context
        try (StandInOpenAi model = new StandInOpenAi()
                        .whenAsked("call me back " + run, StandInOpenAi.fail(503))
                        .whenAsked(
                                "blue coat " + run,
                                StandInOpenAi.callTool(
                                        "take_message", arguments, StandInOpenAi.answer("I've passed that on.")))
                        .whenAsked("haircut " + run, StandInOpenAi.fail(503))
                        .byDefault(StandInOpenAi.answer("Hello."));
                ConfigurableApplicationContext app = ChatProcessorApplication.application()
                        .run(
                                "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                                "--server.port=0",
                                "--donna.chat.application-id=chat-requests-" + run,
                                "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"),
                                "--donna.chat.llm.base-url=" + model.baseUrl(),
                                "--donna.chat.llm.api-key=sk-test",
                                "--donna.chat.llm.max-retries=0",
                                "--donna.chat.llm.breaker-failures=100",
                                "--donna.actions.group-id=chat-requests-actions-" + run,
                                "--donna.actions.recap-group-id=chat-requests-recaps-" + run,
                                "--donna.actions.signing-secret=" + SECRET,
                                "--donna.actions.allowed-addresses=127.0.0.1",
                                "--donna.actions.webhooks[secretary.take_message]=" + hooks + "/messages",
                                "--donna.actions.webhooks[bookings.request_booking]=" + hooks + "/bookings")) {
            UUID session = UUID.randomUUID();
            ChatMessageScreened coat = screened(session, "Please tell them I think I left my blue coat " + run);
            send(kafka, coat);

            ChatReplyProduced reply = replyTo(kafka, coat);
            assertThat(reply.getText()).isEqualTo("I've passed that on.");
            assertThat(reply.getDegraded()).isFalse();
            ActionRequested message = requested(kafka, a -> a.getSourceId().equals(session.toString()));
            assertThat(message.getKind()).isEqualTo("secretary.take_message");
            assertThat(message.getSource()).isEqualTo(EventSource.CHAT);
            assertThat(message.getUserId()).isEqualTo(coat.getUserId());
            JsonNode payload = JSON.readTree(message.getPayloadJson());
            assertThat(payload.at("/messageId").asString())
                    .isEqualTo(coat.getMessageId().toString());
            assertThat(payload.at("/details/caller_name").asString()).isEqualTo("Ann Lee");
            assertThat(payload.at("/details/message").asString()).isEqualTo("Did I leave my blue coat there?");
            delivered(kafka, message);
            WebhookReceiver.Delivery atTheBusiness = only("/messages", session);
            assertThat(atTheBusiness.signed())
                    .as("the receiver verified the signature")
                    .isTrue();
            assertThat(atTheBusiness.idempotencyKey())
                    .isEqualTo(message.getActionId().toString());
            assertThat(JSON.readTree(atTheBusiness.body()).at("/source").asString())
                    .isEqualTo("CHAT");
            assertThat(model.requests())
                    .as("the model was given its call's output")
                    .anySatisfy(body ->
                            assertThat(body).contains("\"role\":\"tool\"").contains("passed_on"));

            // the model is down: the offline answer takes the booking from the message itself
            UUID other = UUID.randomUUID();
            ChatMessageScreened haircut =
                    screened(other, "Can I book a haircut " + run + " on Friday? I'm Bea, 07700 900456");
            send(kafka, haircut);
            ChatReplyProduced offline = replyTo(kafka, haircut);
            assertThat(offline.getDegraded()).isTrue();
            assertThat(offline.getText()).startsWith("Thank you, Bea.").contains("booking request");
            ActionRequested booking = requested(kafka, a -> a.getSourceId().equals(other.toString()));
            assertThat(booking.getKind()).isEqualTo("bookings.request_booking");
            assertThat(JSON.readTree(booking.getPayloadJson())
                            .at("/details/contact")
                            .asString())
                    .isEqualTo("07700 900456");
            delivered(kafka, booking);
            assertThat(only("/bookings", other).signed()).isTrue();

            // the first message delivered again, then another request behind it in its session (the model
            // down again): the first asked for once, then the second
            send(kafka, coat);
            ChatMessageScreened callBack = screened(session, "Also, please call me back " + run + " on 07700 900789");
            send(kafka, callBack);
            assertThat(replyTo(kafka, callBack).getDegraded()).isTrue();
            List<ActionRequested> asked = TopicReader.readUntilFound(
                            kafka.servers(),
                            Topics.ACTIONS.name(),
                            r -> CODEC.decode(r.value()) instanceof ActionRequested a
                                    && a.getSourceId().equals(session.toString()),
                            2,
                            Duration.ofSeconds(60))
                    .stream()
                    .map(r -> (ActionRequested) CODEC.decode(r.value()))
                    .toList();
            assertThat(asked)
                    .extracting(a ->
                            JSON.readTree(a.getPayloadJson()).at("/messageId").asString())
                    .containsExactly(
                            coat.getMessageId().toString(),
                            callBack.getMessageId().toString());
            delivered(kafka, asked.get(1));
            assertThat(receiver.deliveriesTo("/messages"))
                    .filteredOn(d -> d.body().contains(session.toString()))
                    .extracting(WebhookReceiver.Delivery::idempotencyKey)
                    .containsExactly(
                            message.getActionId().toString(),
                            asked.get(1).getActionId().toString());
        }
    }

    /**
     * The one delivery to {@code path} for {@code session}: the dispatcher also delivers what other test
     * classes left on the shared broker.
     */
    WebhookReceiver.Delivery only(String path, UUID session) {
        return assertThat(receiver.deliveriesTo(path))
                .filteredOn(d -> d.body().contains(session.toString()))
                .singleElement()
                .actual();
    }

    static ChatMessageScreened screened(UUID session, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setMessageId(UUID.randomUUID())
                .setUserId("visitor-" + session)
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }

    public static void send(InfraExtension.KafkaBootstrap kafka, ChatMessageScreened message) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.name(), message.getSessionId().toString(), CODEC.encode(message)))
                    .get();
        }
    }

    public static ChatReplyProduced replyTo(InfraExtension.KafkaBootstrap kafka, ChatMessageScreened message) {
        return (ChatReplyProduced) first(
                kafka,
                Topics.CHAT_REPLIES.name(),
                event -> event instanceof ChatReplyProduced r
                        && r.getInReplyToMessageId().equals(message.getMessageId()));
    }

    static ActionRequested requested(InfraExtension.KafkaBootstrap kafka, Predicate<ActionRequested> which) {
        return (ActionRequested)
                first(kafka, Topics.ACTIONS.name(), event -> event instanceof ActionRequested a && which.test(a));
    }

    static void delivered(InfraExtension.KafkaBootstrap kafka, ActionRequested action) {
        first(
                kafka,
                Topics.ACTIONS.name(),
                event -> event instanceof ActionDelivered d && d.getActionId().equals(action.getActionId()));
    }

    static SpecificRecordBase first(
            InfraExtension.KafkaBootstrap kafka, String topic, Predicate<SpecificRecordBase> which) {
        return CODEC.decode(TopicReader.readUntilFound(
                        kafka.servers(), topic, r -> which.test(CODEC.decode(r.value())), Duration.ofSeconds(60))
                .getFirst()
                .value());
    }
}
