package app.donna.chat.reply;

import java.util.List;
import java.util.function.Consumer;

/** A chat model that streams its answer. The feature owns this interface; adapters implement it. */
public interface LlmClient {

    /** The model's whole answer and what it cost. */
    record Completion(String text, String model, long inputTokens, long outputTokens) {}

    /**
     * Answers the conversation, calling {@code onDelta} with each fragment as it is generated.
     *
     * @param cancellation when cancelled from another thread, the call is abandoned at once: the request
     *                     and its connection closed, no retry made, and this method throws
     * @throws LlmUnavailableException when the model cannot answer (after the client's own retries), or the
     *                                 call was cancelled
     */
    Completion complete(String systemPrompt, List<Turn> context, Consumer<String> onDelta, Cancellation cancellation);

    /** The model could not answer: down, overloaded, timed out, or refused the request. */
    final class LlmUnavailableException extends RuntimeException {
        public LlmUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
