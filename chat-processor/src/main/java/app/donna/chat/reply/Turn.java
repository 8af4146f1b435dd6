package app.donna.chat.reply;

/**
 * One turn of a conversation, as the LLM is shown it.
 *
 * @param staffId who wrote an {@link Role#ASSISTANT} turn during a takeover: a member of staff speaking for
 *                the business, shown to the model as the business's own words; null for the assistant's
 */
public record Turn(Role role, String text, String staffId) {

    public enum Role {
        USER,
        ASSISTANT
    }

    public Turn(Role role, String text) {
        this(role, text, null);
    }

    public static Turn byStaff(String staffId, String text) {
        return new Turn(Role.ASSISTANT, text, staffId);
    }
}
