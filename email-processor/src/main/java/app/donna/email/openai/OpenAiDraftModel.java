package app.donna.email.openai;

import app.donna.email.draft.DraftModel;
import app.donna.email.draft.DraftingSettings;
import app.donna.email.draft.writing.ReplyWriting;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The drafting model through {@code openai-java} (Chat Completions, streamed, asked for a JSON object).
 * Not configured without an API key: drafts are then the offline acknowledgement. The answer is parsed
 * here; whether it may become a draft is {@link ReplyWriting#check}'s to say.
 */
@Component
class OpenAiDraftModel implements DraftModel, DisposableBean {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DraftingSettings settings;
    private final OpenAIClient client;

    OpenAiDraftModel(DraftingSettings settings) {
        this.settings = settings;
        this.client = settings.apiKey().isBlank()
                ? null
                : OpenAIOkHttpClient.builder()
                        .baseUrl(settings.baseUrl())
                        .apiKey(settings.apiKey())
                        .timeout(settings.timeout())
                        .maxRetries(1)
                        .build();
    }

    @Override
    public boolean configured() {
        return client != null;
    }

    @Override
    public Answer write(ReplyWriting.Prompt prompt) throws Unavailable {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(settings.model())
                .addSystemMessage(prompt.instructions())
                .addUserMessage(prompt.input())
                .responseFormat(ResponseFormatJsonObject.builder().build())
                .maxCompletionTokens(settings.maxOutputTokens())
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        StringBuilder text = new StringBuilder();
        AtomicReference<String> model = new AtomicReference<>(settings.model());
        long[] usage = new long[2];
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                model.set(chunk.model());
                chunk.usage().ifPresent(u -> {
                    usage[0] = u.promptTokens();
                    usage[1] = u.completionTokens();
                });
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        } catch (RuntimeException e) {
            throw new Unavailable(
                    "the model could not be asked (" + e.getClass().getSimpleName() + ")");
        }
        return new Answer(parse(text.toString()), model.get(), usage[0], usage[1]);
    }

    /** The {@code {"subject","body"}} object, or empty when the text is not that. */
    static Optional<ReplyWriting.Proposal> parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            JsonNode subject = node.get("subject");
            JsonNode body = node.get("body");
            if (subject == null || body == null || !subject.isString() || !body.isString()) {
                return Optional.empty();
            }
            return Optional.of(new ReplyWriting.Proposal(subject.asString(), body.asString()));
        } catch (RuntimeException notJson) {
            return Optional.empty();
        }
    }

    @Override
    public void destroy() {
        if (client != null) {
            client.close();
        }
    }
}
