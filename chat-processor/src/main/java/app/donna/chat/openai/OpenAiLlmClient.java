package app.donna.chat.openai;

import app.donna.chat.reply.Cancellation;
import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.Turn;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.Sleeper;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * {@link LlmClient} on OpenAI's Chat Completions API through the official {@code openai-java} client,
 * streaming. The base URL makes any OpenAI-compatible server work. Retries are the client's own: up to
 * {@code maxRetries} on connection errors, 408, 409, 429 and 5xx, with exponential backoff that honours
 * {@code Retry-After}; {@code timeout} bounds each attempt.
 *
 * <p>A call is cancelled the way the client's own call timeout does it: OkHttp's {@code Call.cancel()},
 * which closes the socket, so a thread blocked on a server that stopped writing (before the headers or
 * between two chunks) returns at once. The client exposes no handle on its HTTP call, so an interceptor
 * registers each attempt's call with the {@link Cancellation} of the {@link #complete} running on that
 * thread (the synchronous API makes every attempt, and reads the stream, on the calling thread); a
 * cancelled call makes no further attempt, and the backoff between attempts ends at the cancellation.
 */
public final class OpenAiLlmClient implements LlmClient, AutoCloseable {

    /** The cancellation of the call this thread is making, if any. */
    private static final ThreadLocal<Cancellation> CURRENT = new ThreadLocal<>();

    private final OpenAIClient client;
    private final String model;
    private final long maxOutputTokens;

    /** @param concurrentCalls calls made at once: as many connections are kept open for reuse */
    public OpenAiLlmClient(
            String baseUrl,
            String apiKey,
            String model,
            Duration timeout,
            int maxRetries,
            long maxOutputTokens,
            int concurrentCalls) {
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .timeout(timeout)
                .maxRetries(maxRetries)
                .maxIdleConnections(concurrentCalls)
                .keepAliveDuration(Duration.ofMinutes(5)) // OkHttp's default; the two go together
                .addInterceptor(OpenAiLlmClient::registerCall)
                .sleeper(new CancellableSleeper())
                .build();
        this.model = model;
        this.maxOutputTokens = maxOutputTokens;
    }

    @Override
    public Completion complete(
            String systemPrompt, List<Turn> context, Consumer<String> onDelta, Cancellation cancellation) {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model(model)
                .maxCompletionTokens(maxOutputTokens)
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
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
        CURRENT.set(cancellation);
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(chunk -> {
                if (cancellation.isCancelled()) {
                    throw new CancellationException("the call was cancelled");
                }
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
            // OpenAIException for HTTP errors after the retries; I/O failures, timeouts and cancellations as
            // other unchecked exceptions of the client
            throw new LlmUnavailableException(
                    (cancellation.isCancelled() ? "cancelled: " : "")
                            + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    e);
        } finally {
            CURRENT.remove();
        }
        if (cancellation.isCancelled()) {
            throw new LlmUnavailableException("cancelled after the last chunk", null);
        }
        return new Completion(text.toString(), answeredBy[0], usage[0], usage[1]);
    }

    /** Lets the running {@link #complete}'s cancellation cancel this attempt; refuses it if already cancelled. */
    private static Response registerCall(Interceptor.Chain chain) throws IOException {
        Cancellation cancellation = CURRENT.get();
        if (cancellation != null) {
            Call call = chain.call();
            cancellation.onCancel(call::cancel);
            if (call.isCanceled()) {
                throw new IOException("Canceled");
            }
        }
        return chain.proceed(chain.request());
    }

    /** The client's backoff between attempts, cut short when the running call is cancelled. */
    private static final class CancellableSleeper implements Sleeper {

        @Override
        public void sleep(Duration duration) {
            Cancellation cancellation = CURRENT.get();
            try {
                if (cancellation == null) {
                    Thread.sleep(duration);
                } else {
                    cancellation.await(duration);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting to retry");
            }
        }

        @Override
        public CompletableFuture<Void> sleepAsync(Duration duration) {
            return CompletableFuture.runAsync(
                    () -> {}, CompletableFuture.delayedExecutor(duration.toNanos(), TimeUnit.NANOSECONDS));
        }

        @Override
        public void close() {}
    }

    @Override
    public void close() {
        client.close();
    }
}
