package app.donna.ingress.chat;

import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.ratelimit.RateLimitFilter;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.RateLimiters;
import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.security.AnonymousSessionTokens;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.WorkspaceIdentity;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Chat sessions. {@code POST} opens one: a signed-in user owns it; a caller without a token is an
 * anonymous website visitor and gets a short-lived token bound to that one session (limited per client
 * address). {@code GET} lists the caller's sessions, newest first.
 */
@RestController
@RequestMapping("/api/chat/sessions")
class ChatSessionsApi {

    private final ChatCommands commands;
    private final ChatSessionDirectory directory;
    private final SessionOwners owners;
    private final Optional<AnonymousSessionTokens> visitorTokens;
    private final RateLimiter visitorSessionsPerIp;
    private final Workspaces workspaces;

    ChatSessionsApi(
            ChatCommands commands,
            ChatSessionDirectory directory,
            SessionOwners owners,
            ObjectProvider<AnonymousSessionTokens> visitorTokens,
            ChatApiSettings settings,
            RateLimiters rateLimiters,
            Workspaces workspaces) {
        this.workspaces = workspaces;
        this.commands = commands;
        this.directory = directory;
        this.owners = owners;
        this.visitorTokens = Optional.ofNullable(visitorTokens.getIfAvailable());
        this.visitorSessionsPerIp = rateLimiters.limiter(new RateLimitPolicy(
                "visitor-sessions", settings.visitorSessionsBurst(), settings.visitorSessionsPerMinute()));
    }

    /**
     * What a client may say when it opens a session.
     *
     * @param workspaceId the workspace whose website the widget is on; none: the default workspace (a
     *                    member's session is always their own workspace's)
     * @param campaign    the marketing campaign the visitor came from (the site's own id for it)
     * @param utmCampaign the page's {@code utm_campaign}, the campaign when {@code campaign} is not given
     * @param utmSource   the page's {@code utm_source}
     * @param utmMedium   the page's {@code utm_medium}
     */
    record OpenSession(
            @Pattern(regexp = WorkspaceIdentity.ID) String workspaceId,
            @Size(max = 100) @Pattern(regexp = UTM) String campaign,
            @Size(max = 100) @Pattern(regexp = UTM) String utmCampaign,
            @Size(max = 100) @Pattern(regexp = UTM) String utmSource,
            @Size(max = 100) @Pattern(regexp = UTM) String utmMedium) {

        ChatCommands.Attribution attribution() {
            return new ChatCommands.Attribution(campaign != null ? campaign : utmCampaign, utmSource, utmMedium);
        }
    }

    /** What a campaign tag may hold: printable, no markup, no line breaks. */
    static final String UTM = "[\\p{L}\\p{N} ._:/+-]*";

    @ApiResponse(responseCode = "201", description = "The session is open (and, for a visitor, its token)")
    @ApiResponse(responseCode = "403", description = "A visitor may not open a session for another workspace's staff")
    @ApiResponse(responseCode = "404", description = "There is no such workspace")
    @PostMapping
    ResponseEntity<?> open(
            @AuthenticationPrincipal Jwt user,
            @Valid @RequestBody(required = false) OpenSession opening,
            HttpServletRequest request) {
        Optional<String> workspace =
                workspaces.forConversation(user, Optional.ofNullable(opening).map(OpenSession::workspaceId));
        if (workspace.isEmpty()) {
            return Problems.response(Problems.of(
                    HttpStatus.NOT_FOUND, "unknown-workspace", "Unknown workspace", "There is no such workspace."));
        }
        UUID session = UUID.randomUUID();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessionId", session);
        Caller caller;
        if (user != null) {
            caller = Caller.of(user);
            if (caller.anonymous()) {
                return Problems.response(Problems.of(
                        HttpStatus.FORBIDDEN,
                        "forbidden",
                        "Forbidden",
                        "A visitor token is for one session; open a new one without it."));
            }
        } else {
            if (visitorTokens.isEmpty()) {
                return Problems.response(Problems.unauthorized("Sign in to chat; anonymous chat is not enabled."));
            }
            RateLimitDecision newSession = visitorSessionsPerIp.tryAcquire(request.getRemoteAddr());
            if (!newSession.allowed()) {
                return RateLimitFilter.refused(newSession, "Too many new chats from this address");
            }
            caller = Caller.visitor(session);
            body.put("token", visitorTokens.get().mint(session, workspace.get()));
            body.put("tokenType", "Bearer");
            body.put("expiresIn", visitorTokens.get().lifetime().toSeconds());
        }
        if (!owners.claim(session, caller, workspace.get())) {
            throw new IllegalStateException("a fresh random session id " + session + " was taken");
        }
        ChatCommands.Attribution attribution = opening == null ? ChatCommands.Attribution.NONE : opening.attribution();
        if (!commands.start(session, caller, workspace.get(), request.getHeader("Origin"), attribution)) {
            // The session is the caller's whatever happened; only its opening event may be missing.
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "5")
                    .body(Problems.of(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            "unavailable",
                            "Service unavailable",
                            "The session could not be opened right now. Please retry."));
        }
        return ResponseEntity.created(URI.create("/api/chat/sessions/" + session + "/messages"))
                .body(body);
    }

    @ApiResponse(responseCode = "200", description = "The caller's sessions, newest first, a page at a time")
    @ApiResponse(responseCode = "400", description = "A cursor or filter that cannot be read")
    @GetMapping
    ResponseEntity<?> list(
            @AuthenticationPrincipal Jwt user,
            @RequestParam(required = false) @Min(1) @Max(100) Integer limit,
            @RequestParam(required = false) @Size(max = 200) String cursor) {
        if (user == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        }
        ChatSessionDirectory.Page page;
        try {
            page = directory.list(Caller.of(user), Optional.ofNullable(cursor), limit == null ? 20 : limit);
        } catch (IllegalArgumentException e) {
            return Problems.response(Problems.of(
                    HttpStatus.BAD_REQUEST,
                    "invalid-request",
                    "Invalid request",
                    "The cursor is not one this API returned."));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessions", page.sessions());
        body.put("nextCursor", page.next().orElse(null));
        return ResponseEntity.ok(body);
    }
}
