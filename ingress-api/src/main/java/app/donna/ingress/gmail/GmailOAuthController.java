package app.donna.ingress.gmail;

import app.donna.events.email.GmailConnectRequested;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.gmail.oauth.ConsentRequest;
import app.donna.ingress.gmail.oauth.Pkce;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.platform.web.Problems;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Connecting a Gmail mailbox: {@code GET /api/gmail/oauth/start} (a signed-in user) sends the browser to
 * Google's consent page (PKCE S256, a state bound to the user and, by a cookie, to the browser, offline
 * access, two scopes); {@code GET /api/gmail/oauth/callback} (where Google sends the browser back, no token)
 * takes the code once, for that state in that browser, and hands it to email-processor, which holds the
 * Google client's secret and exchanges it: {@code GmailConnectRequested} on {@code donna.email.jobs}, the
 * code and the verifier sealed ({@link SealedSecrets}) for that user alone. Neither appears in clear on a
 * topic, in a response or in a log.
 */
@RestController
class GmailOAuthController {

    private static final Logger log = LoggerFactory.getLogger(GmailOAuthController.class);

    /** Binds a started connection to the browser that started it. */
    static final String COOKIE = "donna_gmail_oauth";

    private static final String COOKIE_PATH = "/api/gmail/oauth";

    private final GmailSettings settings;
    private final OAuthStates states;
    private final AcknowledgedPublisher publisher;
    private final Clock clock;
    /** Null when no keys are configured: connecting then says Gmail is not configured. */
    private final SealedSecrets secrets;

    private final SecureRandom random = new SecureRandom();

    private final Workspaces workspaces;

    GmailOAuthController(
            GmailSettings settings,
            OAuthStates states,
            AcknowledgedPublisher publisher,
            Clock clock,
            Workspaces workspaces) {
        this.workspaces = workspaces;
        this.settings = settings;
        this.states = states;
        this.publisher = publisher;
        this.clock = clock;
        // a malformed key stops the service at start, with what is wrong (never the key)
        this.secrets = settings.secretKeys().isBlank() ? null : SealedSecrets.fromConfig(settings.secretKeys());
    }

    @ApiResponse(responseCode = "302", description = "To Google's consent page")
    @ApiResponse(
            responseCode = "200",
            description = "With Accept: application/json, {authorizationUrl} for a script to open itself")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @ApiResponse(responseCode = "503", description = "Gmail is not configured")
    @GetMapping("/api/gmail/oauth/start")
    ResponseEntity<?> start(@AuthenticationPrincipal Jwt token, HttpServletRequest request) {
        if (token == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        }
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        if (!settings.configured() || secrets == null) {
            return Problems.response(Problems.of(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "gmail-not-configured",
                    "Gmail is not configured",
                    "Set DONNA_GMAIL_CLIENT_ID and DONNA_SECRET_KEYS to connect mailboxes."));
        }
        Pkce pkce = Pkce.create(random);
        String state = Pkce.randomToken(random);
        String browser = Pkce.randomToken(random);
        states.started(
                state,
                browser,
                caller.userId(),
                // the mailbox is the workspace's the member works for now
                workspaces.ofCaller(token),
                secrets.seal(pkce.verifier(), SealedContexts.gmailOAuthVerifier(caller.userId())),
                settings.redirectUri());
        URI consent = new ConsentRequest(
                        settings.authorizationEndpoint(),
                        settings.clientId(),
                        settings.redirectUri(),
                        settings.scopes(),
                        state,
                        pkce)
                .uri();
        log.info("Gmail connection started for {}", caller.userId());
        // A page's script (fetch, which cannot read a redirect) asks for JSON and opens the consent page
        // itself; the browser keeps the cookie either way.
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        boolean script = accept != null && accept.contains("application/json") && !accept.contains("text/html");
        return ResponseEntity.status(script ? HttpStatus.OK : HttpStatus.FOUND)
                .location(consent)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header(HttpHeaders.SET_COOKIE, cookie(browser, settings.stateLifetime(), request.isSecure()))
                .body(Map.of("authorizationUrl", consent.toString()));
    }

    @ApiResponse(responseCode = "302", description = "Back to the app, connected")
    @ApiResponse(responseCode = "400", description = "The consent was refused, expired, or not started by this browser")
    @GetMapping("/api/gmail/oauth/callback")
    ResponseEntity<?> callback(
            @RequestParam(required = false) String code,
            @RequestParam(required = false) String state,
            @RequestParam(required = false) String error,
            @CookieValue(name = COOKIE, required = false) String browser,
            HttpServletRequest request) {
        String cleared = cookie("", Duration.ZERO, request.isSecure());
        if (error != null) {
            // the user declined (access_denied), or Google refused the request: nothing to exchange
            OAuthStates.Outcome ignored = states.finish(state, browser, settings.stateLifetime());
            log.info("Gmail connection not made: Google answered {}", error.length() > 64 ? "an error" : error);
            return back("declined", cleared);
        }
        OAuthStates.Outcome outcome = states.finish(state, browser, settings.stateLifetime());
        if (outcome instanceof OAuthStates.Outcome.Refused refused) {
            log.warn("Gmail connection callback refused: {}", refused.why());
            return notAccepted("oauth-state-refused", refused.why().detail, cleared);
        }
        OAuthStates.Started started = ((OAuthStates.Outcome.Accepted) outcome).started();
        if (code == null || code.isBlank() || code.length() > 2_048) {
            return notAccepted(
                    "oauth-code-missing", "Google sent no usable code. Start connecting Gmail again.", cleared);
        }
        UUID jobId = UUID.randomUUID();
        GmailConnectRequested requested = GmailConnectRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(started.userId())
                .setJobId(jobId)
                .setAuthorizationCode(secrets.seal(code, SealedContexts.gmailOAuthCode(started.userId())))
                .setRedirectUri(started.redirectUri().toString())
                .setCodeVerifier(started.verifierSealed())
                .setWorkspaceId(started.workspaceId())
                .build();
        if (!publisher.publish(Topics.EMAIL_JOBS.record(started.userId(), requested), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The connection could not be handed on. Start connecting Gmail again in a moment.");
        }
        log.info("Gmail connection for {} handed to email-processor as job {}", started.userId(), jobId);
        return back("connecting", cleared);
    }

    /** A callback refused: 400, why, and the browser's cookie cleared. */
    private static ResponseEntity<?> notAccepted(String type, String detail, String cookie) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST)
                .header(HttpHeaders.SET_COOKIE, cookie)
                .body(Problems.of(HttpStatus.BAD_REQUEST, type, "The Gmail connection was not accepted", detail));
    }

    /** Sends the browser back to the application, saying how it went. */
    private ResponseEntity<?> back(String outcome, String cookie) {
        URI to = UriComponentsBuilder.fromUri(settings.afterConnect())
                .queryParam("gmail", outcome)
                .build()
                .toUri();
        return ResponseEntity.status(HttpStatus.FOUND)
                .location(to)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header(HttpHeaders.SET_COOKIE, cookie)
                .build();
    }

    private static String cookie(String value, Duration lifetime, boolean secure) {
        return ResponseCookie.from(COOKIE, value)
                .httpOnly(true)
                .secure(secure)
                .sameSite("Lax") // sent on Google's top-level redirect back, not on cross-site requests
                .path(COOKIE_PATH)
                .maxAge(lifetime)
                .build()
                .toString();
    }
}
