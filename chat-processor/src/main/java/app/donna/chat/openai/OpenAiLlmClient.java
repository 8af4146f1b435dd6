package app.donna.chat.openai;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.Turn;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;

/**
 * {@link LlmClient} on OpenAI's Chat Completions API through the official {@code openai-java} client,
 * streaming. The base URL makes any OpenAI-compatible server work. Retries are the client's own: up to
 * {@code maxRetries} on connection errors, 408, 409, 429 and 5xx, with exponential backoff that honours
 * {@code Retry-After}; {@code timeout} bounds each attempt.
 */
public final class OpenAiLlmClient implements LlmClient, AutoCloseable {

    private final OpenAIClient client;
    private final String model;
    private final long maxOutputTokens;

    /** @param concurrentCalls calls made at once: as many connections are kept open for reuse */
    public OpenAiLlmClient(String baseUrl, String apiKey, String model, Duration timeout, int maxRetries,
            long maxOutputTokens, int concurrentCalls) {
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .timeout(timeout)
                .maxRetries(maxRetries)
                .maxIdleConnections(concurrentCalls)
                .keepAliveDuration(Duration.ofMinutes(5)) // OkHttp's default; the two go together
                .build();
        this.model = model;
        this.maxOutputTokens = maxOutputTokens;
    }

    @Override
    public Completion complete(String systemPrompt, List<Turn> context, Consumer<String> onDelta) {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model(model)
                .maxCompletionTokens(maxOutputTokens)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .addSystemMessage(systemPrompt);
        for (Turn turn : context) {
            if (turn.role() == Turn.Role.USER) {
                params.addUserMessage(turn.text());
            } else {
                params.addAssistantMessage(turn.text());
            }
        }
        StringBuilder text = new StringBuilder();
        String[] answeredBy = {model};
        long[] usage = {0, 0};
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(chunk -> {
                if (chunk.model() != null && !chunk.model().isBlank()) {
                    answeredBy[0] = chunk.model();
                }
                chunk.usage().ifPresent(u -> {
                    usage[0] = u.promptTokens();
                    usage[1] = u.completionTokens();
                });
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().filter(s -> !s.isEmpty()).ifPresent(fragment -> {
                        text.append(fragment);
                        onDelta.accept(fragment);
                    });
                }
            });
        } catch (RuntimeException e) {
            // OpenAIException for HTTP errors after the retries; I/O failures and timeouts as other
            // unchecked exceptions of the client
            throw new LlmUnavailableException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return new Completion(text.toString(), answeredBy[0], usage[0], usage[1]);
    }

    @Override
    public void close() {
        client.close();
    }
}
