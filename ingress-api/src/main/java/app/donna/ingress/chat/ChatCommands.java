package app.donna.ingress.chat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.schemas.CloudEventHeaders;
import app.donna.schemas.Topics;
import app.donna.schemas.Traceparent;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** Publishes chat commands and waits for the broker's acknowledgement before anyone is told "accepted". */
@Component
class ChatCommands {

    sealed interface Result {
        record Accepted(UUID messageId) implements Result {
        }

        record Unavailable() implements Result {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ChatCommands.class);

    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final ChatApiSettings settings;
    private final Clock clock;

    ChatCommands(KafkaTemplate<String, SpecificRecordBase> kafka, ChatApiSettings settings, Clock clock) {
        this.kafka = kafka;
        this.settings = settings;
        this.clock = clock;
    }

    Result submit(UUID sessionId, Caller caller, String text, String locale, String clientMessageId,
            String traceparent) {
        ChatMessageSubmitted event = ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(sessionId)
                .setMessageId(UUID.randomUUID())
                .setUserId(caller.userId())
                .setAnonymous(caller.anonymous())
                .setText(text)
                .setLocale(locale)
                .setClientMessageId(clientMessageId)
                .build();
        return publish(sessionId, caller, event, traceparent) ? new Result.Accepted(event.getMessageId()) : new Result.Unavailable();
    }

    /** Opens a session; true once the broker has the event. */
    boolean start(UUID sessionId, Caller caller, String origin, String traceparent) {
        ChatSessionStarted event = ChatSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(sessionId)
                .setUserId(caller.userId())
                .setAnonymous(caller.anonymous())
                .setOrigin(origin)
                .build();
        return publish(sessionId, caller, event, traceparent);
    }

    private boolean publish(UUID sessionId, Caller caller, SpecificRecordBase event, String traceparent) {
        // Keyed by user: abuse-detector judges a user's behaviour across all their sessions in one place.
        ProducerRecord<String, SpecificRecordBase> record =
                new ProducerRecord<>(Topics.CHAT_INBOUND.name(), caller.userId(), event);
        // Continue the caller's trace: the serializer writes a child span of it.
        Traceparent.parse(traceparent).ifPresent(t -> record.headers()
                .add(CloudEventHeaders.TRACEPARENT, t.toString().getBytes(StandardCharsets.UTF_8)));
        try {
            kafka.send(record).get(settings.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            log.error("Could not publish {} {} for session {} to {}", event.getSchema().getName(), event.get("eventId"),
                    sessionId, Topics.CHAT_INBOUND.name(), e);
            return false;
        }
    }
}
