package app.donna.email.draft;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The model that drafts replies ({@code donna.gmail.drafting}).
 *
 * @param baseUrl         OpenAI's API, or a compatible one's
 * @param apiKey          none: drafts are the offline acknowledgement, marked degraded
 * @param model           the model asked
 * @param timeout         how long one answer may take
 * @param maxOutputTokens the longest answer asked for
 * @param groupId         the consumer group of the draft jobs
 * @param enabled         whether this instance drafts at all (off: draft jobs wait on the topic)
 */
@Validated
@ConfigurationProperties("donna.gmail.drafting")
public record DraftingSettings(
        @NotNull @DefaultValue("https://api.openai.com/v1") String baseUrl,
        @DefaultValue("") String apiKey,
        @NotNull @DefaultValue("gpt-4o-mini") String model,
        @NotNull @DefaultValue("30s") Duration timeout,
        @DefaultValue("800") long maxOutputTokens,
        @DefaultValue("email-processor-draft") String groupId,
        @DefaultValue("true") boolean enabled) {}
