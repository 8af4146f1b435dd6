package app.donna.voice.relay;

import app.donna.platform.persona.Persona;
import app.donna.platform.persona.PinnedVoiceSession;
import app.donna.platform.settings.PersonaSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The voice relay's settings ({@code donna.voice.*}): the model and the session the server pins (the same
 * keys as ingress-api's voice tokens), and the relay's limits ({@code donna.voice.relay.*}).
 *
 * @param apiKey             the server's OpenAI key: the only key the relay ever sends upstream
 * @param baseUrl            the OpenAI API, or any server that speaks it ({@code https://…/v1})
 * @param model              the Realtime model every call uses
 * @param voice              the voice the model speaks with
 * @param serverVad          whether the server detects the end of the caller's turns
 * @param transcriptionModel the model that transcribes the caller
 * @param persona            who the receptionist speaks for in a workspace that has set no persona
 * @param relay              the relay's limits
 */
@Validated
@ConfigurationProperties("donna.voice")
public record VoiceRelaySettings(
        @DefaultValue("") String apiKey,
        @NotBlank @DefaultValue("https://api.openai.com/v1") String baseUrl,
        @NotBlank @DefaultValue("gpt-realtime") String model,
        @NotBlank @DefaultValue("alloy") String voice,
        @DefaultValue("true") boolean serverVad,
        @NotBlank @DefaultValue("gpt-4o-mini-transcribe") String transcriptionModel,
        @Valid @NotNull @DefaultValue PersonaSettings persona,
        @Valid @NotNull @DefaultValue Relay relay) {

    /**
     * @param callsPerUser       calls one signed-in user may have open at once, on this instance
     * @param callsPerVisitor    the same for an anonymous visitor
     * @param maxFrameBytes      the largest message a caller may send (audio arrives in small chunks)
     * @param messagesPerSecond  messages a caller may send per second, on average over a second
     * @param idleTimeout        a call from which nothing arrives this long is ended
     * @param maxCallLength      the longest a call lasts, across rollovers
     * @param rolloverAfter      how long one model session serves a call before the call moves to a fresh one,
     *                           seeded with what was said (OpenAI ends a Realtime session after 60 minutes)
     * @param connectTimeout     how long opening the model's connection may take
     * @param sendTimeout        how long one message may wait for a slow caller or a slow model before the
     *                           call is ended (the relay buffers nothing beyond the message in hand)
     * @param publishTimeout     how long recording a caller's request (a receptionist tool) may wait for Kafka
     * @param blockSanction      how long a caller's new calls are refused after a BLOCK verdict (their live
     *                           call is ended politely at once)
     * @param maskPhones         whether phone numbers are masked in the transcripts the relay records
     * @param maskEmails         whether email addresses are masked in them
     */
    public record Relay(
            @Min(1) @DefaultValue("3") int callsPerUser,
            @Min(1) @DefaultValue("1") int callsPerVisitor,
            @Min(1024) @DefaultValue("262144") int maxFrameBytes,
            @Min(1) @DefaultValue("100") int messagesPerSecond,
            @NotNull @DefaultValue("60s") Duration idleTimeout,
            @NotNull @DefaultValue("2h") Duration maxCallLength,
            @NotNull @DefaultValue("25m") Duration rolloverAfter,
            @NotNull @DefaultValue("10s") Duration connectTimeout,
            @NotNull @DefaultValue("5s") Duration sendTimeout,
            @NotNull @DefaultValue("5s") Duration publishTimeout,
            @NotNull @DefaultValue("1h") Duration blockSanction,
            @DefaultValue("true") boolean maskPhones,
            @DefaultValue("true") boolean maskEmails) {}

    /** Whether the relay can open calls at all. */
    public boolean online() {
        return !apiKey.isBlank();
    }

    /** The model's WebSocket endpoint: the base URL's scheme made {@code ws(s)}, then {@code /realtime}. */
    public URI realtimeUri() {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        String ws = base.startsWith("https://")
                ? "wss://" + base.substring(8)
                : base.startsWith("http://") ? "ws://" + base.substring(7) : base;
        return URI.create(
                ws + "/realtime?model=" + java.net.URLEncoder.encode(model, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The session a call is pinned to, speaking for {@code business} (the call's workspace's persona). */
    public PinnedVoiceSession pinnedSession(Persona business) {
        return PinnedVoiceSession.of(model, voice, business, serverVad, transcriptionModel);
    }
}
