package app.donna.chat.stream;

import app.donna.events.chat.ChatMessageScreened;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A session's messages that have no reply yet, oldest first. The first is the one being answered; the
 * others wait for it, because each answer is part of the next one's context. Kept in a changelogged store
 * and committed with the input offsets, so a message taken in but not yet answered when an instance stops
 * is answered by whichever instance takes the session over.
 *
 * @param messages    oldest first
 */
record AwaitingReply(List<Waiting> messages) {

    static final AwaitingReply NONE = new AwaitingReply(List.of());

    /**
     * A message and the trace it arrived in.
     *
     * @param traceparent the W3C trace context of the screened event, so the reply continues its trace
     */
    record Waiting(ChatMessageScreened message, String traceparent) {}

    AwaitingReply {
        messages = List.copyOf(messages);
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    boolean contains(UUID messageId) {
        return messages.stream().anyMatch(w -> w.message().getMessageId().equals(messageId));
    }

    Waiting first() {
        return messages.getFirst();
    }

    AwaitingReply plus(Waiting waiting) {
        List<Waiting> more = new ArrayList<>(messages);
        more.add(waiting);
        return new AwaitingReply(more);
    }

    AwaitingReply withoutFirst() {
        return new AwaitingReply(messages.subList(1, messages.size()));
    }
}
