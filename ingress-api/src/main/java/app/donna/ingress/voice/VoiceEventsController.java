package app.donna.ingress.voice;

import app.donna.events.common.TokenUsage;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceEndReason;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.events.voice.VoiceTransport;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.ratelimit.RateLimitFilter;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.RateLimiters;
import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.redaction.SensitiveText;
import app.donna.platform.web.Problems;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/voice/events}: a client that talks to the Realtime API directly (WebRTC, with a minted
 * voice token) reports its call's events, which become the same trail on {@code donna.voice.events} that
 * the relay writes for relayed calls: the call's start, final transcripts, completed responses with token
 * usage, and its end. Only for the session id its token minting gave the caller; rate-limited per caller;
 * transcripts are redacted before they are published (and the abuse detector screens them, as it does the
 * relay's). Event ids derive from the session and the item or response, so a client's retry of a report is
 * the same event.
 */
@RestController
class VoiceEventsController {

    /** One reported event; which fields it needs depends on its {@code type}. */
    record ReportedEvent(
            @NotNull UUID voiceSessionId,

            @NotNull @Pattern(regexp = "session\\.started|transcript|response\\.completed|session\\.ended")
            String type,

            @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9_.:-]*")
            String itemId,

            @Pattern(regexp = "user|assistant") String role,
            String text,

            @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9_.:-]*")
            String responseId,

            @Valid Usage usage,

            @Min(0) @Max(600_000) Long latencyMs,

            @Pattern(regexp = "client_closed|upstream_closed|timeout|error|limit_reached")
            String reason,

            @Min(0) @Max(86_400_000) Long durationMs,

            @Size(max = 500) String error) {}

    record Usage(
            @Min(0) @Max(10_000_000) int inputTokens,
            @Min(0) @Max(10_000_000) int outputTokens,
            @Min(0) @Max(20_000_000) int totalTokens) {}

    record Accepted(UUID voiceSessionId, UUID eventId) {}

    private final VoiceOwners owners;
    private final VoiceSettings settings;
    private final AcknowledgedPublisher publisher;
    private final RateLimiter limiter;
    private final Clock clock;

    VoiceEventsController(
            VoiceOwners owners,
            VoiceSettings settings,
            AcknowledgedPublisher publisher,
            RateLimiters rateLimiters,
            Clock clock) {
        this.owners = owners;
        this.settings = settings;
        this.publisher = publisher;
        this.limiter = rateLimiters.limiter(
                new RateLimitPolicy("voice-events", settings.eventsBurst(), settings.eventsPerMinute()));
        this.clock = clock;
    }

    @ApiResponse(responseCode = "200", description = "The event is recorded")
    @ApiResponse(responseCode = "404", description = "No such voice session for this caller")
    @PostMapping("/api/voice/events")
    ResponseEntity<?> report(@AuthenticationPrincipal Jwt token, @Valid @RequestBody ReportedEvent reported) {
        Caller caller = Caller.of(token);
        RateLimitDecision allowed = limiter.tryAcquire(caller.userId());
        if (!allowed.allowed()) {
            return RateLimitFilter.refused(allowed, "Too many voice events");
        }
        List<Problems.FieldProblem> missing = missingFields(reported);
        if (!missing.isEmpty()) {
            return Problems.response(Problems.invalid("The event lacks what its type needs.", missing));
        }
        if (!owners.owns(reported.voiceSessionId(), caller)) {
            return Problems.response(
                    Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", "No such voice session."));
        }
        SpecificRecordBase event = event(reported, caller);
        UUID eventId = (UUID) event.get("eventId");
        if (!publisher.publish(
                Topics.VOICE_EVENTS.record(reported.voiceSessionId().toString(), event), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The event may or may not have been recorded; sending it again is safe.");
        }
        return ResponseEntity.accepted().body(new Accepted(reported.voiceSessionId(), eventId));
    }

    private List<Problems.FieldProblem> missingFields(ReportedEvent e) {
        List<Problems.FieldProblem> problems = new ArrayList<>();
        switch (e.type()) {
            case "transcript" -> {
                require(problems, "itemId", e.itemId() != null && !e.itemId().isEmpty());
                require(problems, "role", e.role() != null);
                require(problems, "text", e.text() != null && !e.text().isBlank());
                if (e.text() != null && e.text().length() > settings.maxTranscriptChars()) {
                    problems.add(new Problems.FieldProblem(
                            "text", "must be at most " + settings.maxTranscriptChars() + " characters"));
                }
            }
            case "response.completed" ->
                require(
                        problems,
                        "responseId",
                        e.responseId() != null && !e.responseId().isEmpty());
            case "session.ended" -> {
                require(problems, "reason", e.reason() != null);
                require(problems, "durationMs", e.durationMs() != null);
            }
            default -> {
                // session.started needs nothing more: the server knows the model and voice it pinned
            }
        }
        return problems;
    }

    private static void require(List<Problems.FieldProblem> problems, String field, boolean present) {
        if (!present) {
            problems.add(new Problems.FieldProblem(field, "is required for this type"));
        }
    }

    private SpecificRecordBase event(ReportedEvent e, Caller caller) {
        var now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        UUID session = e.voiceSessionId();
        return switch (e.type()) {
            case "session.started" ->
                VoiceSessionStarted.newBuilder()
                        .setEventId(DerivedIds.of("voice-started", session))
                        .setOccurredAt(now)
                        .setVoiceSessionId(session)
                        .setUserId(caller.userId())
                        .setModel(settings.model())
                        .setVoice(settings.voice())
                        .setTransport(VoiceTransport.WEBRTC)
                        .setWorkspaceId(owners.workspaceOf(session).orElse(null))
                        .build();
            case "transcript" ->
                VoiceTranscript.newBuilder()
                        .setEventId(DerivedIds.of("voice-transcript", session + "/" + e.itemId() + "/" + e.role()))
                        .setOccurredAt(now)
                        .setVoiceSessionId(session)
                        .setUserId(caller.userId())
                        .setItemId(e.itemId())
                        .setRole(e.role().equals("user") ? SpeakerRole.USER : SpeakerRole.ASSISTANT)
                        .setText(SensitiveText.redact(e.text(), settings.maskPhones(), settings.maskEmails()))
                        .setIsFinal(true)
                        .build();
            case "response.completed" ->
                VoiceResponseCompleted.newBuilder()
                        .setEventId(DerivedIds.of("voice-response", session + "/" + e.responseId()))
                        .setOccurredAt(now)
                        .setVoiceSessionId(session)
                        .setUserId(caller.userId())
                        .setResponseId(e.responseId())
                        .setText(
                                e.text() == null
                                        ? null
                                        : SensitiveText.redact(e.text(), settings.maskPhones(), settings.maskEmails()))
                        .setUsage(
                                e.usage() == null
                                        ? null
                                        : TokenUsage.newBuilder()
                                                .setInputTokens(e.usage().inputTokens())
                                                .setOutputTokens(e.usage().outputTokens())
                                                .setTotalTokens(e.usage().totalTokens())
                                                .build())
                        .setLatencyMs(e.latencyMs())
                        .build();
            default ->
                VoiceSessionEnded.newBuilder()
                        .setEventId(DerivedIds.of("voice-ended", session))
                        .setOccurredAt(now)
                        .setVoiceSessionId(session)
                        .setUserId(caller.userId())
                        .setReason(VoiceEndReason.valueOf(e.reason().toUpperCase(Locale.ROOT)))
                        .setDurationMs(e.durationMs())
                        .setError(e.error() == null ? null : SensitiveText.redact(e.error()))
                        .build();
        };
    }
}
