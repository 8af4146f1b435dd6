package app.donna.chat.reply;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the assistant remembers of one chat session: its most recent turns (the LLM's context), the ids of
 * the messages it has already answered or heard (so a redelivered message is not answered twice) and of
 * the staff replies it has passed on, and whether a member of staff has taken the session over.
 *
 * @param takenOverBy   the member of staff answering the session instead of the assistant; null: the assistant
 * @param lastMessageId the visitor's latest message (what a staff reply follows); null before the first
 */
public record Conversation(List<Turn> turns, List<UUID> answered, String takenOverBy, UUID lastMessageId) {

    public static final Conversation EMPTY = new Conversation(List.of(), List.of());

    /**
     * @param answered oldest first; a short list (a few hundred at most) read on every message, so a
     *                 list, which is cheap to decode and to scan, rather than a set
     */
    public Conversation {
        turns = List.copyOf(turns);
        answered = List.copyOf(answered);
    }

    public Conversation(List<Turn> turns, List<UUID> answered) {
        this(turns, answered, null, null);
    }

    public boolean hasAnswered(UUID messageId) {
        return answered.contains(messageId);
    }

    public boolean isTakenOver() {
        return takenOverBy != null;
    }

    public Conversation takenOverBy(String staffId) {
        return new Conversation(turns, answered, staffId, lastMessageId);
    }

    public Conversation handedBack() {
        return new Conversation(turns, answered, null, lastMessageId);
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
        return with(t, messageId, messageId, maxTurns, maxAnswered);
    }

    /**
     * This conversation after a message the assistant does not answer (the session is taken over): the
     * visitor's turn joins the context, for staff's replies and for the assistant once handed back. A
     * refused message passes a null turn, as in {@link #after}.
     */
    public Conversation heard(UUID messageId, Turn question, int maxTurns, int maxAnswered) {
        List<Turn> t = new ArrayList<>(turns);
        if (question != null) {
            t.add(question);
        }
        return with(t, messageId, messageId, maxTurns, maxAnswered);
    }

    /** This conversation after a member of staff's reply {@code replyId}, remembered so a copy is passed on once. */
    public Conversation staffSaid(UUID replyId, Turn reply, int maxTurns, int maxAnswered) {
        List<Turn> t = new ArrayList<>(turns);
        t.add(reply);
        return with(t, replyId, lastMessageId, maxTurns, maxAnswered);
    }

    private Conversation with(List<Turn> t, UUID id, UUID lastMessage, int maxTurns, int maxAnswered) {
        if (t.size() > maxTurns) {
            t = t.subList(t.size() - maxTurns, t.size());
        }
        List<UUID> ids = new ArrayList<>(answered);
        if (!ids.contains(id)) {
            ids.add(id);
        }
        if (ids.size() > maxAnswered) {
            ids = ids.subList(ids.size() - maxAnswered, ids.size());
        }
        return new Conversation(t, ids, takenOverBy, lastMessage);
    }
}
