package app.donna.ingress.voice;

import app.donna.ingress.chat.Caller;
import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.budget.TokenBudget;
import app.donna.platform.ratelimit.RateLimitFilter;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.RateLimiters;
import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.SpentBudgets;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/realtime/token}: a short-lived OpenAI Realtime client secret for a signed-in user or an
 * anonymous visitor (with tighter limits), so their browser or app talks to the Realtime API directly
 * while the server's key stays on the server. The session it opens is the one the server pins
 * ({@link RealtimeSecrets}).
 */
@RestController
class RealtimeTokenController {

    /** Optional body: a shorter life than the configured one. */
    record TokenRequest(
            @Min(VoiceSettings.SHORTEST_SECONDS) @Max(VoiceSettings.LONGEST_SECONDS)
            Integer expiresInSeconds) {}

    /**
     * A minted secret; {@code expiresIn} in seconds from now; {@code voiceSessionId} is the caller's new
     * call, to report its events with ({@code POST /api/voice/events}).
     */
    record Token(String clientSecret, Instant expiresAt, long expiresIn, String model, UUID voiceSessionId) {}

    private final RealtimeSecrets secrets;
    private final VoiceSettings settings;
    private final VoiceOwners owners;
    private final Workspaces workspaces;
    private final VoiceSanctions sanctions;
    private final TokenBudget budgets;
    private final RateLimiter users;
    private final RateLimiter visitors;

    RealtimeTokenController(
            RealtimeSecrets secrets,
            VoiceSettings settings,
            VoiceOwners owners,
            VoiceSanctions sanctions,
            RateLimiters rateLimiters,
            Workspaces workspaces,
            SpentBudgets budgets) {
        this.workspaces = workspaces;
        this.budgets = budgets;
        this.secrets = secrets;
        this.settings = settings;
        this.owners = owners;
        this.sanctions = sanctions;
        this.users = rateLimiters.limiter(
                new RateLimitPolicy("realtime-tokens", settings.userTokensBurst(), settings.userTokensPerMinute()));
        this.visitors = rateLimiters.limiter(new RateLimitPolicy(
                "realtime-tokens-visitor", settings.visitorTokensBurst(), settings.visitorTokensPerMinute()));
    }

    @ApiResponse(responseCode = "200", description = "A short-lived Realtime client secret with the pinned session")
    @ApiResponse(responseCode = "403", description = "The caller is blocked from voice")
    @ApiResponse(responseCode = "429", description = "Too many calls, or the day's token budget is spent")
    @ApiResponse(responseCode = "502", description = "OpenAI refused or failed")
    @ApiResponse(responseCode = "503", description = "Voice is offline (no key) or busy")
    @ApiResponse(responseCode = "504", description = "OpenAI did not answer in time")
    @PostMapping("/api/realtime/token")
    ResponseEntity<?> mint(
            @AuthenticationPrincipal Jwt token, @Valid @RequestBody(required = false) TokenRequest request) {
        if (token == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        }
        Caller caller = Caller.of(token);
        RateLimitDecision allowed = (caller.anonymous() ? visitors : users).tryAcquire(caller.userId());
        if (!allowed.allowed()) {
            return RateLimitFilter.refused(allowed, "Too many voice tokens");
        }
        Optional<Instant> refused = sanctions.refusedUntil(caller.userId());
        if (refused.isPresent()) {
            long seconds =
                    Math.max(1, Duration.between(Instant.now(), refused.get()).toSeconds());
            return ResponseEntity.status(HttpStatus.FORBIDDEN)
                    .header("Retry-After", Long.toString(seconds))
                    .body(Problems.of(
                            HttpStatus.FORBIDDEN,
                            "voice-refused",
                            "Calls are refused for now",
                            "After a moderation decision, calls from this account are refused until " + refused.get()
                                    + "."));
        }
        Duration lifetime = request == null || request.expiresInSeconds() == null
                ? settings.tokenLifetime()
                : Duration.ofSeconds(request.expiresInSeconds());
        // the call is the caller's workspace's, and its receptionist speaks for that business
        String workspace = workspaces.ofCaller(token);
        Optional<TokenBudget.Spent> spent = budgets.spent(workspace, caller.userId());
        if (spent.isPresent()) {
            Instant midnight =
                    spent.get().day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                    .header(
                            "Retry-After",
                            Long.toString(Math.max(
                                    1, Duration.between(Instant.now(), midnight).toSeconds())))
                    .body(Problems.of(
                            HttpStatus.TOO_MANY_REQUESTS,
                            "budget-spent",
                            "Today's model budget is spent",
                            "The " + spent.get().scope() + "'s daily model budget is spent; calls are back at "
                                    + midnight + " (midnight UTC)."));
        }
        try {
            RealtimeSecrets.Minted minted = secrets.mint(lifetime, workspaces.persona(workspace));
            long expiresIn = Math.max(
                    0, Duration.between(Instant.now(), minted.expiresAt()).toSeconds());
            return ResponseEntity.ok()
                    .header("Cache-Control", "no-store")
                    .body(new Token(
                            minted.secret(),
                            minted.expiresAt(),
                            expiresIn,
                            minted.model(),
                            owners.claimNew(caller, workspace)));
        } catch (RealtimeSecrets.NotMinted e) {
            return switch (e.reason()) {
                case OFFLINE ->
                    Problems.response(Problems.of(
                            HttpStatus.SERVICE_UNAVAILABLE, "voice-offline", "Voice is offline", e.getMessage()));
                case BUSY ->
                    ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                            .header("Retry-After", "5")
                            .body(Problems.of(
                                    HttpStatus.SERVICE_UNAVAILABLE, "voice-busy", "Voice is busy", e.getMessage()));
                case TIMED_OUT ->
                    Problems.response(Problems.of(
                            HttpStatus.GATEWAY_TIMEOUT, "voice-timeout", "Voice did not answer", e.getMessage()));
                case UPSTREAM_FAILED ->
                    Problems.response(Problems.of(
                            HttpStatus.BAD_GATEWAY, "voice-unavailable", "Voice is unavailable", e.getMessage()));
            };
        }
    }
}
