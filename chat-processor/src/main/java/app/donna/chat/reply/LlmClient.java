package app.donna.chat.reply;

import app.donna.platform.persona.ReceptionistTools;
import java.util.List;
import java.util.function.Consumer;

/** A chat model that streams its answer. The feature owns this interface; adapters implement it. */
public interface LlmClient {

    /**
     * What the model is asked.
     *
     * @param instructions the system prompt
     * @param context      the conversation so far, ending with the customer's message
     * @param tools        the tools the model may call ({@code none} when it must answer in words)
     * @param rounds       this answer's earlier tool calls and what each returned, in order
     */
    record Prompt(String instructions, List<Turn> context, List<ReceptionistTools> tools, List<ToolRound> rounds) {
        public Prompt {
            context = List.copyOf(context);
            tools = List.copyOf(tools);
            rounds = List.copyOf(rounds);
        }
    }

    /** A tool the model called: its id (to answer it by), the tool's name and its arguments as JSON text. */
    record ToolCall(String id, String name, String argumentsJson) {}

    /**
     * One round of tool use: what the model wrote before calling ({@code text}, perhaps empty), the calls,
     * and each call's output ({@code outputs}, in the calls' order) as the model is to be shown it.
     */
    record ToolRound(String text, List<ToolCall> calls, List<String> outputs) {
        public ToolRound {
            calls = List.copyOf(calls);
            outputs = List.copyOf(outputs);
            if (calls.size() != outputs.size()) {
                throw new IllegalArgumentException("one output for each tool call");
            }
        }
    }

    /** The model's answer and what it cost; {@code toolCalls} is not empty when it called tools instead of finishing. */
    record Completion(String text, String model, long inputTokens, long outputTokens, List<ToolCall> toolCalls) {
        public Completion {
            toolCalls = List.copyOf(toolCalls);
        }

        /** An answer in words only. */
        public Completion(String text, String model, long inputTokens, long outputTokens) {
            this(text, model, inputTokens, outputTokens, List.of());
        }
    }

    /**
     * Answers the prompt, calling {@code onDelta} with each fragment of text as it is generated.
     *
     * @param cancellation when cancelled from another thread, the call is abandoned at once: the request
     *                     and its connection closed, no retry made, and this method throws
     * @throws LlmUnavailableException when the model cannot answer (after the client's own retries), or the
     *                                 call was cancelled
     */
    Completion complete(Prompt prompt, Consumer<String> onDelta, Cancellation cancellation);

    /** Answers a conversation without tools. */
    default Completion complete(
            String systemPrompt, List<Turn> context, Consumer<String> onDelta, Cancellation cancellation) {
        return complete(new Prompt(systemPrompt, context, List.of(), List.of()), onDelta, cancellation);
    }

    /** The model could not answer: down, overloaded, timed out, or refused the request. */
    final class LlmUnavailableException extends RuntimeException {
        public LlmUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
