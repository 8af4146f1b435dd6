package app.donna.chat.reply;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the assistant remembers of one chat session: its most recent turns (the LLM's context) and the
 * ids of the messages it has already answered (so a redelivered message is not answered twice).
 */
public record Conversation(List<Turn> turns, List<UUID> answered) {

    public static final Conversation EMPTY = new Conversation(List.of(), List.of());

    /**
     * @param answered oldest first; a short list (a few hundred at most) read on every message, so a
     *                 list, which is cheap to decode and to scan, rather than a set
     */
    public Conversation {
        turns = List.copyOf(turns);
        answered = List.copyOf(answered);
    }

    public boolean hasAnswered(UUID messageId) {
        return answered.contains(messageId);
    }

    /**
     * This conversation after answering {@code messageId}, keeping the newest turns and ids. A refused
     * message passes null turns: it is remembered as answered but kept out of the model's context.
     */
    public Conversation after(UUID messageId, Turn question, Turn answer, int maxTurns, int maxAnswered) {
        List<Turn> t = new ArrayList<>(turns);
        if (question != null && answer != null) {
            t.add(question);
            t.add(answer);
        }
        if (t.size() > maxTurns) {
            t = t.subList(t.size() - maxTurns, t.size());
        }
        List<UUID> ids = new ArrayList<>(answered);
        if (!ids.contains(messageId)) {
            ids.add(messageId);
        }
        if (ids.size() > maxAnswered) {
            ids = ids.subList(ids.size() - maxAnswered, ids.size());
        }
        return new Conversation(t, ids);
    }
}
