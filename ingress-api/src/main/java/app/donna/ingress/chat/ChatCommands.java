package app.donna.ingress.chat;

import app.donna.events.chat.ChatHandedBack;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.chat.ChatStaffReplied;
import app.donna.events.chat.ChatTakenOver;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.springframework.stereotype.Component;

/** Publishes chat commands and waits for the broker's acknowledgement before anyone is told "accepted". */
@Component
class ChatCommands {

    sealed interface Result {
        record Accepted(UUID messageId) implements Result {}

        /**
         * The broker did not confirm the event in time. It may still have it (a send that timed out here can
         * complete later), so the outcome is unknown: a retry with the same client message id is safe.
         */
        record OutcomeUnknown(UUID messageId) implements Result {}
    }

    /** Where a visitor came from, as the widget tells it: a campaign and the page's UTM tags. */
    record Attribution(String campaign, String utmSource, String utmMedium) {
        static final Attribution NONE = new Attribution(null, null, null);
    }

    private final AcknowledgedPublisher publisher;
    private final ChatApiSettings settings;
    private final Clock clock;

    ChatCommands(AcknowledgedPublisher publisher, ChatApiSettings settings, Clock clock) {
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Publishes a message. With a {@code clientMessageId} (the client's idempotency key) the message and
     * event ids are derived from it and the session, so a retry after a timeout or an unknown outcome is
     * the same message: downstream it yields one turn and one reply, however many copies reach the topic.
     */
    Result submit(
            UUID sessionId, Caller caller, String workspaceId, String text, String locale, String clientMessageId) {
        UUID messageId = clientMessageId == null || clientMessageId.isEmpty()
                ? UUID.randomUUID()
                : DerivedIds.of("message", sessionId + "/" + clientMessageId);
        ChatMessageSubmitted event = ChatMessageSubmitted.newBuilder()
                .setEventId(DerivedIds.of("submitted", messageId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(sessionId)
                .setMessageId(messageId)
                .setUserId(caller.userId())
                .setAnonymous(caller.anonymous())
                .setText(text)
                .setLocale(locale)
                .setClientMessageId(clientMessageId)
                .setWorkspaceId(workspaceId)
                .build();
        return publish(sessionId, caller, event)
                ? new Result.Accepted(messageId)
                : new Result.OutcomeUnknown(messageId);
    }

    /** Opens a session; true once the broker has the event (false: unknown, the session is claimed anyway). */
    boolean start(UUID sessionId, Caller caller, String workspaceId, String origin, Attribution attribution) {
        ChatSessionStarted event = ChatSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(sessionId)
                .setUserId(caller.userId())
                .setAnonymous(caller.anonymous())
                .setOrigin(origin)
                .setWorkspaceId(workspaceId)
                .setCampaign(attribution.campaign())
                .setUtmSource(attribution.utmSource())
                .setUtmMedium(attribution.utmMedium())
                .build();
        return publish(sessionId, caller, event);
    }

    /** What a member of staff does in a session: take it over, write to its visitor, hand it back. */
    enum StaffAct {
        TAKE_OVER,
        HAND_BACK
    }

    /**
     * Takes {@code session} over from the assistant, or hands it back; true once the broker has it.
     * Published under the session owner's key, so it stays in order with their messages all the way.
     */
    boolean staff(StaffAct act, UUID sessionId, SessionOwners.Owner owner, String staffId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        SpecificRecordBase event = switch (act) {
            case TAKE_OVER ->
                ChatTakenOver.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(now)
                        .setSessionId(sessionId)
                        .setUserId(owner.userId())
                        .setStaffId(staffId)
                        .setWorkspaceId(owner.workspaceId())
                        .build();
            case HAND_BACK ->
                ChatHandedBack.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(now)
                        .setSessionId(sessionId)
                        .setUserId(owner.userId())
                        .setStaffId(staffId)
                        .setWorkspaceId(owner.workspaceId())
                        .build();
        };
        return publisher.publish(Topics.CHAT_INBOUND.record(owner.userId(), event), settings.publishTimeout());
    }

    /**
     * A member of staff's reply to the session's visitor. With a {@code clientMessageId} its id is derived
     * from it, the session and the member, so a retry reaches the visitor once.
     */
    Result staffReply(UUID sessionId, SessionOwners.Owner owner, String staffId, String text, String clientMessageId) {
        UUID replyId = clientMessageId == null || clientMessageId.isEmpty()
                ? UUID.randomUUID()
                : DerivedIds.of("staff-reply", sessionId + "/" + staffId + "/" + clientMessageId);
        ChatStaffReplied event = ChatStaffReplied.newBuilder()
                .setEventId(DerivedIds.of("staff-replied", replyId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(sessionId)
                .setUserId(owner.userId())
                .setStaffId(staffId)
                .setWorkspaceId(owner.workspaceId())
                .setReplyId(replyId)
                .setText(text)
                .build();
        return publisher.publish(Topics.CHAT_INBOUND.record(owner.userId(), event), settings.publishTimeout())
                ? new Result.Accepted(replyId)
                : new Result.OutcomeUnknown(replyId);
    }

    private boolean publish(UUID sessionId, Caller caller, SpecificRecordBase event) {
        // Keyed by user: abuse-detector judges a user's behaviour across all their sessions in one place.
        return publisher.publish(Topics.CHAT_INBOUND.record(caller.userId(), event), settings.publishTimeout());
    }
}
