package app.donna.chat.reply;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What the assistant remembers of one chat session: its most recent turns (the LLM's context) and the
 * ids of the messages it has already answered (so a redelivered message is not answered twice).
 */
public record Conversation(List<Turn> turns, Set<UUID> answered) {

    public static final Conversation EMPTY = new Conversation(List.of(), Set.of());

    public Conversation {
        turns = List.copyOf(turns);
        answered = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(answered));
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
        ids.add(messageId);
        if (ids.size() > maxAnswered) {
            ids = ids.subList(ids.size() - maxAnswered, ids.size());
        }
        return new Conversation(t, new LinkedHashSet<>(ids));
    }
}
