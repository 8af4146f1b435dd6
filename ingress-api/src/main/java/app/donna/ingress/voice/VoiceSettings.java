package app.donna.ingress.voice;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Voice settings ({@code donna.voice.*}): the OpenAI Realtime session the server pins for every call, and
 * how voice tokens are minted.
 *
 * @param apiKey             the server's OpenAI key (none: voice is offline, and says so)
 * @param baseUrl            the OpenAI API, or any server that speaks it
 * @param model              the Realtime model
 * @param voice              the voice the model speaks with
 * @param serverVad          whether the server detects the end of the caller's turns (server VAD)
 * @param transcriptionModel the model that transcribes what the caller says
 * @param tokenLifetime      the longest a minted client secret lives; a caller may ask for less (OpenAI
 *                           allows 10 s to 2 h)
 * @param timeout            how long a mint may wait for OpenAI
 * @param userTokensBurst    voice tokens a signed-in user may mint at once
 * @param userTokensPerMinute     how many a signed-in user regains per minute
 * @param visitorTokensBurst      the same for an anonymous visitor (tighter: anyone can be one)
 * @param visitorTokensPerMinute  the same for an anonymous visitor
 * @param eventsBurst        events a caller on the direct path may report at once ({@code POST /api/voice/events})
 * @param eventsPerMinute    how many they regain per minute
 * @param maxTranscriptChars the longest transcript one reported event may carry
 * @param maskPhones         whether phone numbers are masked in reported transcripts (cards and
 *                           credentials always are)
 * @param maskEmails         whether email addresses are
 * @param publishTimeout     how long reporting an event or a fan-out waits for the broker
 * @param blockSanction      how long no voice token is minted for a caller after a BLOCK verdict on them
 *                           (the relay's {@code donna.voice.relay.block-sanction} when that is set)
 */
@Validated
@ConfigurationProperties("donna.voice")
public record VoiceSettings(
        @DefaultValue("") String apiKey,
        @NotBlank @DefaultValue("https://api.openai.com/v1") String baseUrl,
        @NotBlank @DefaultValue("gpt-realtime") String model,
        @NotBlank @DefaultValue("alloy") String voice,
        @DefaultValue("true") boolean serverVad,
        @NotBlank @DefaultValue("gpt-4o-mini-transcribe") String transcriptionModel,
        @NotNull @DefaultValue("5m") Duration tokenLifetime,
        @NotNull @DefaultValue("10s") Duration timeout,
        @Min(1) @DefaultValue("5") int userTokensBurst,
        @Min(1) @DefaultValue("10") int userTokensPerMinute,
        @Min(1) @DefaultValue("2") int visitorTokensBurst,
        @Min(1) @DefaultValue("2") int visitorTokensPerMinute,
        @Min(1) @DefaultValue("60") int eventsBurst,
        @Min(1) @DefaultValue("120") int eventsPerMinute,
        @Min(1) @DefaultValue("8000") int maxTranscriptChars,
        @DefaultValue("true") boolean maskPhones,
        @DefaultValue("true") boolean maskEmails,
        @NotNull @DefaultValue("10s") Duration publishTimeout,
        @NotNull @DefaultValue("1h") Duration blockSanction) {

    /** OpenAI's own bounds for a client secret's lifetime, in seconds (10 s to 2 h). */
    static final long SHORTEST_SECONDS = 10;

    static final long LONGEST_SECONDS = 7_200;

    @AssertTrue(message = "token-lifetime must be between 10s and 2h, as OpenAI allows")
    public boolean isTokenLifetimeWithinOpenAisBounds() {
        return tokenLifetime == null
                || (tokenLifetime.toSeconds() >= SHORTEST_SECONDS && tokenLifetime.toSeconds() <= LONGEST_SECONDS);
    }

    /** Whether voice can mint tokens at all. */
    public boolean online() {
        return !apiKey.isBlank();
    }
}
