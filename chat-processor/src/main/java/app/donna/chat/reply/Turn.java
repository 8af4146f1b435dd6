package app.donna.chat.reply;

/** One turn of a conversation, as the LLM is shown it. */
public record Turn(Role role, String text) {

    public enum Role {
        USER,
        ASSISTANT
    }
}
