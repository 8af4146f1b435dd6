package app.donna.chat.openai;

import app.donna.chat.reply.Cancellation;
import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.Turn;
import app.donna.platform.persona.ReceptionistTools;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIRetryableException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * {@link LlmClient} on OpenAI's Chat Completions API through the official {@code openai-java} client,
 * streaming. The base URL makes any OpenAI-compatible server work; {@code timeout} bounds each attempt.
 * The prompt's tools are declared as function tools; a tool call streams in pieces (its id and name, then
 * its arguments a few characters at a time, each piece naming the call by index) and is put together here;
 * a later round sends each call back as the assistant's {@code tool_calls} with a {@code tool} message
 * carrying its output.
 *
 * <p>Retries are Resilience4j's ({@link #retryConfig}: connection errors, timeouts, 408, 409, 429 and 5xx,
 * with exponential backoff that honours {@code Retry-After}; metrics {@code resilience4j_retry_calls}),
 * not the client's own, so that one rule can hold: <b>an attempt that has handed a fragment on is never
 * retried</b>. A retry would stream the answer again from its start, and the browser would show the
 * first fragments twice; the caller answers offline instead.
 *
 * <p>A call is cancelled the way the client's own call timeout does it: OkHttp's {@code Call.cancel()},
 * which closes the socket, so a thread blocked on a server that stopped writing (before the headers or
 * between two chunks) returns at once. The client exposes no handle on its HTTP call, so an interceptor
 * registers each attempt's call with the {@link Cancellation} of the {@link #complete} running on that
 * thread (the synchronous API makes the attempt, and reads the stream, on the calling thread); a cancelled
 * call makes no further attempt, and the wait before an attempt ends at the cancellation.
 */
public final class OpenAiLlmClient implements LlmClient, AutoCloseable {

    /** The retry's name in metrics ({@code resilience4j_retry_calls{name="llm"}}). */
    public static final String RETRY = "llm";

    /** The cancellation of the call this thread is making, if any. */
    private static final ThreadLocal<Cancellation> CURRENT = new ThreadLocal<>();

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
    /** A server asking for a longer pause than this is not waited for: the answer's deadlines are shorter. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);

    private final OpenAIClient client;
    private final String model;
    private final long maxOutputTokens;
    private final Retry retry;

    /**
     * @param retry           the model's retry, made with {@link #retryConfig}
     * @param concurrentCalls calls made at once: as many connections are kept open for reuse
     */
    public OpenAiLlmClient(
            String baseUrl,
            String apiKey,
            String model,
            Duration timeout,
            Retry retry,
            long maxOutputTokens,
            int concurrentCalls) {
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .timeout(timeout)
                .maxRetries(0) // the retry is ours: see the class comment
                .maxIdleConnections(concurrentCalls)
                .keepAliveDuration(Duration.ofMinutes(5)) // OkHttp's default; the two go together
                .addInterceptor(OpenAiLlmClient::registerCall)
                .build();
        this.model = model;
        this.maxOutputTokens = maxOutputTokens;
        this.retry = retry;
    }

    /**
     * Up to {@code maxRetries} attempts after the first, for failures worth another try, waiting as the
     * server's {@code Retry-After} asks (up to a minute) or else 0.5 s doubling up to 8 s, with jitter.
     */
    public static RetryConfig retryConfig(int maxRetries) {
        return RetryConfig.<Object>custom()
                .maxAttempts(maxRetries + 1)
                .retryOnException(OpenAiLlmClient::worthAnotherTry)
                .intervalBiFunction((IntervalBiFunction<Object>) OpenAiLlmClient::pauseBefore)
                .build();
    }

    @Override
    public Completion complete(Prompt prompt, Consumer<String> onDelta, Cancellation cancellation) {
        ChatCompletionCreateParams request = request(prompt);
        Retry.AsyncContext<Object> attempts = retry.asyncContext();
        while (true) {
            Attempt attempt = new Attempt(onDelta);
            try {
                Completion completion = attempt(request, attempt, cancellation);
                attempts.onComplete();
                return completion;
            } catch (RuntimeException e) {
                boolean mayRetry = !cancellation.isCancelled() && !attempt.handedOn;
                long pauseMs = attempts.onError(mayRetry ? e : new NotRetried(e));
                if (pauseMs < 0) {
                    throw unavailable(e, cancellation, attempt.handedOn);
                }
                pause(Duration.ofMillis(pauseMs), cancellation, e);
            }
        }
    }

    /** The request: instructions, the conversation, then this answer's tool rounds, and the tools it may call. */
    private ChatCompletionCreateParams request(Prompt prompt) {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder()
                .model(model)
                .maxCompletionTokens(maxOutputTokens)
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .addSystemMessage(prompt.instructions());
        for (Turn turn : prompt.context()) {
            if (turn.role() == Turn.Role.USER) {
                params.addUserMessage(turn.text());
            } else {
                params.addAssistantMessage(turn.text());
            }
        }
        for (ToolRound round : prompt.rounds()) {
            ChatCompletionAssistantMessageParam.Builder called = ChatCompletionAssistantMessageParam.builder();
            if (!round.text().isEmpty()) {
                called.content(round.text());
            }
            for (ToolCall call : round.calls()) {
                called.addToolCall(ChatCompletionMessageFunctionToolCall.builder()
                        .id(call.id())
                        .function(ChatCompletionMessageFunctionToolCall.Function.builder()
                                .name(call.name())
                                .arguments(call.argumentsJson())
                                .build())
                        .build());
            }
            params.addMessage(called.build());
            for (int i = 0; i < round.calls().size(); i++) {
                params.addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(round.calls().get(i).id())
                        .content(round.outputs().get(i))
                        .build());
            }
        }
        for (ReceptionistTools tool : prompt.tools()) {
            FunctionParameters.Builder schema = FunctionParameters.builder();
            tool.parameters().forEach((key, value) -> schema.putAdditionalProperty(key, JsonValue.from(value)));
            params.addFunctionTool(FunctionDefinition.builder()
                    .name(tool.name())
                    .description(tool.description())
                    .parameters(schema.build())
                    .build());
        }
        return params.build();
    }

    /** One request and its stream; whether it handed a fragment on is kept in {@code attempt}. */
    private Completion attempt(ChatCompletionCreateParams request, Attempt attempt, Cancellation cancellation) {
        if (cancellation.isCancelled()) {
            throw new CancellationException("the call was cancelled");
        }
        StringBuilder text = new StringBuilder();
        String[] answeredBy = {model};
        long[] usage = {0, 0};
        // a tool call arrives in pieces, each naming its call by index: the id and name first, then the
        // arguments a few characters at a time
        Map<Long, StreamedToolCall> toolCalls = new TreeMap<>();
        CURRENT.set(cancellation);
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(request)) {
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
                        attempt.handOn(fragment);
                    });
                    choice.delta()
                            .toolCalls()
                            .ifPresent(pieces -> pieces.forEach(piece -> toolCalls
                                    .computeIfAbsent(piece.index(), index -> new StreamedToolCall())
                                    .add(piece)));
                }
            });
        } finally {
            CURRENT.remove();
        }
        if (cancellation.isCancelled()) {
            throw new CancellationException("cancelled after the last chunk");
        }
        return new Completion(
                text.toString(),
                answeredBy[0],
                usage[0],
                usage[1],
                toolCalls.values().stream().map(StreamedToolCall::call).toList());
    }

    /** A tool call put together from its streamed pieces. */
    private static final class StreamedToolCall {
        private String id = "";
        private String name = "";
        private final StringBuilder arguments = new StringBuilder();

        void add(ChatCompletionChunk.Choice.Delta.ToolCall piece) {
            piece.id().filter(s -> !s.isEmpty()).ifPresent(s -> id = s);
            piece.function().ifPresent(function -> {
                function.name().filter(s -> !s.isEmpty()).ifPresent(s -> name = s);
                function.arguments().ifPresent(arguments::append);
            });
        }

        ToolCall call() {
            return new ToolCall(id, name, arguments.toString());
        }
    }

    /** Waits before the next attempt; a cancellation ends the wait, and the call. */
    private static void pause(Duration pause, Cancellation cancellation, RuntimeException failed) {
        try {
            if (cancellation.await(pause)) {
                throw unavailable(failed, cancellation, false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmUnavailableException("interrupted while waiting to retry", e);
        }
    }

    private static LlmUnavailableException unavailable(
            RuntimeException e, Cancellation cancellation, boolean handedOn) {
        // OpenAIServiceException for HTTP errors; I/O failures and timeouts as OpenAIIoException; a
        // cancellation as whatever the closed socket made of it
        return new LlmUnavailableException(
                (cancellation.isCancelled() ? "cancelled: " : "")
                        + (handedOn ? "broke off after its first fragments: " : "")
                        + e.getClass().getSimpleName() + ": " + e.getMessage(),
                e);
    }

    /** Failures another attempt may not meet: the connection, a timeout, 408, 409, 429, 5xx. */
    static boolean worthAnotherTry(Throwable e) {
        return switch (e) {
            case NotRetried n -> false;
            case OpenAIServiceException s -> {
                int status = s.statusCode();
                yield status == 408 || status == 409 || status == 429 || status >= 500;
            }
            case OpenAIIoException io -> true;
            case OpenAIRetryableException r -> true;
            default -> false;
        };
    }

    /** The server's {@code Retry-After} (seconds, or {@code retry-after-ms}) if it sent one, else backoff. */
    private static Long pauseBefore(Integer attempt, Either<Throwable, Object> outcome) {
        if (outcome.isLeft() && outcome.getLeft() instanceof OpenAIServiceException s) {
            Optional<Duration> asked = retryAfter(s);
            if (asked.isPresent()) {
                return Math.min(asked.get().toMillis(), MAX_RETRY_AFTER.toMillis());
            }
        }
        long backoff = Math.min(FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 10), MAX_BACKOFF.toMillis());
        return backoff - ThreadLocalRandom.current().nextLong(backoff / 4 + 1); // jitter, so callers spread out
    }

    private static Optional<Duration> retryAfter(OpenAIServiceException e) {
        try {
            List<String> ms = e.headers().values("retry-after-ms");
            if (!ms.isEmpty()) {
                return Optional.of(Duration.ofMillis((long) Double.parseDouble(ms.getFirst())));
            }
            List<String> seconds = e.headers().values("retry-after");
            if (!seconds.isEmpty()) {
                return Optional.of(Duration.ofMillis((long) (Double.parseDouble(seconds.getFirst()) * 1000)));
            }
        } catch (NumberFormatException notANumber) {
            // an HTTP date, or garbage: back off as for no Retry-After
        }
        return Optional.empty();
    }

    /** What one attempt handed on to the caller. */
    private static final class Attempt {
        private final Consumer<String> onDelta;
        boolean handedOn;

        Attempt(Consumer<String> onDelta) {
            this.onDelta = onDelta;
        }

        void handOn(String fragment) {
            handedOn = true;
            onDelta.accept(fragment);
        }
    }

    /** A failure not to be retried whatever it is (cancelled, or fragments handed on), as the retry sees it. */
    private static final class NotRetried extends RuntimeException {
        NotRetried(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
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

    @Override
    public void close() {
        client.close();
    }
}
