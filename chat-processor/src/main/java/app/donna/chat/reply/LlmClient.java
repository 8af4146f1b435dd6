package app.donna.chat.reply;

import java.util.List;
import java.util.function.Consumer;

/** A chat model that streams its answer. The feature owns this interface; adapters implement it. */
public interface LlmClient {

    /** The model's whole answer and what it cost. */
    record Completion(String text, String model, long inputTokens, long outputTokens) {
    }

    /**
     * Answers the conversation, calling {@code onDelta} with each fragment as it is generated.
     *
     * @throws LlmUnavailableException when the model cannot answer (after the client's own retries)
     */
    Completion complete(String systemPrompt, List<Turn> context, Consumer<String> onDelta);

    /** The model could not answer: down, overloaded, timed out, or refused the request. */
    final class LlmUnavailableException extends RuntimeException {
        public LlmUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
