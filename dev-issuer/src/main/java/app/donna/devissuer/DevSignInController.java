package app.donna.devissuer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The dev issuer's authorization and token endpoints ({@code /dev/authorize}, {@code /dev/oauth/token}):
 * a page that asks whom to sign in as, then the authorization code flow with PKCE, so a browser app signs
 * in here exactly as it would at a production OpenID provider. Errors follow RFC 6749: a bad client or
 * redirect URI is shown, never redirected to; a bad code is {@code invalid_grant}.
 */
@RestController
class DevSignInController {

    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9_.@:-]{1,128}");
    private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final DevTokenIssuer issuer;
    private final DevSignIn signIn;

    DevSignInController(DevTokenIssuer issuer, DevSignIn signIn) {
        this.issuer = issuer;
        this.signIn = signIn;
    }

    @GetMapping(path = "/dev/authorize", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> page(
            @RequestParam(name = "response_type", required = false) String responseType,
            @RequestParam(name = "client_id", required = false) String clientId,
            @RequestParam(name = "redirect_uri", required = false) String redirectUri,
            @RequestParam(required = false) String state,
            @RequestParam(name = "code_challenge", required = false) String challenge,
            @RequestParam(name = "code_challenge_method", required = false) String method,
            @RequestParam(name = "login_hint", required = false) String hint) {
        Optional<String> refused = refusal(responseType, clientId, redirectUri, challenge, method);
        if (refused.isPresent()) {
            return html(HttpStatus.BAD_REQUEST, "<p class=error>" + HtmlUtils.htmlEscape(refused.get()) + "</p>");
        }
        String user = hint != null && SUBJECT.matcher(hint).matches() ? hint : "owner";
        return html(
                HttpStatus.OK,
                "<p>Sign in to <b>Donna dev</b>. This is the development issuer: any name signs in, no password."
                        + " <b>owner</b> owns the default workspace.</p>"
                        + "<form method=post action=\"authorize\">"
                        + hidden("client_id", clientId)
                        + hidden("redirect_uri", redirectUri)
                        + hidden("state", state == null ? "" : state)
                        + hidden("code_challenge", challenge)
                        + "<label>User <input id=subject name=subject value=\"" + HtmlUtils.htmlEscape(user)
                        + "\" pattern=\"[A-Za-z0-9_.@:\\-]{1,128}\" required autofocus></label>"
                        + " <button id=sign-in type=submit>Sign in</button></form>");
    }

    @PostMapping(path = "/dev/authorize", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<String> signIn(
            @RequestParam(name = "client_id", required = false) String clientId,
            @RequestParam(name = "redirect_uri", required = false) String redirectUri,
            @RequestParam(required = false) String state,
            @RequestParam(name = "code_challenge", required = false) String challenge,
            @RequestParam(required = false) String subject) {
        Optional<String> refused = refusal("code", clientId, redirectUri, challenge, "S256");
        if (refused.isEmpty() && (subject == null || !SUBJECT.matcher(subject).matches())) {
            refused = Optional.of("A user name is letters, digits and _.@:- (at most 128).");
        }
        if (refused.isPresent()) {
            return html(HttpStatus.BAD_REQUEST, "<p class=error>" + HtmlUtils.htmlEscape(refused.get()) + "</p>");
        }
        String code = signIn.issue(subject, clientId, redirectUri, challenge);
        UriComponentsBuilder back =
                UriComponentsBuilder.fromUriString(redirectUri).queryParam("code", code);
        if (state != null && !state.isEmpty()) {
            back.queryParam("state", state);
        }
        return ResponseEntity.status(HttpStatus.SEE_OTHER)
                .location(back.encode().build().toUri())
                .cacheControl(CacheControl.noStore())
                .build();
    }

    @PostMapping(path = "/dev/oauth/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<Map<String, Object>> token(
            @RequestParam(name = "grant_type", required = false) String grantType,
            @RequestParam(required = false) String code,
            @RequestParam(name = "client_id", required = false) String clientId,
            @RequestParam(name = "redirect_uri", required = false) String redirectUri,
            @RequestParam(name = "code_verifier", required = false) String verifier) {
        if (!"authorization_code".equals(grantType)) {
            return oauthError("unsupported_grant_type", "Only authorization_code is supported.");
        }
        Optional<String> subject = signIn.redeem(code, clientId, redirectUri, verifier);
        if (subject.isEmpty()) {
            return oauthError(
                    "invalid_grant", "The code is unknown, used, expired, or for another client, URI or verifier.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", issuer.mint(subject.get()));
        body.put("token_type", "Bearer");
        body.put("expires_in", issuer.lifetime().toSeconds());
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(body);
    }

    private Optional<String> refusal(
            String responseType, String clientId, String redirectUri, String challenge, String method) {
        if (!"code".equals(responseType)) {
            return Optional.of("response_type must be code.");
        }
        if (clientId == null || clientId.isBlank() || clientId.length() > 128) {
            return Optional.of("client_id is missing.");
        }
        if (redirectUri == null || !signIn.acceptsRedirect(redirectUri)) {
            return Optional.of("redirect_uri must be on this issuer's own origin.");
        }
        if (challenge == null || !CHALLENGE.matcher(challenge).matches() || !"S256".equals(method)) {
            return Optional.of("PKCE is required: code_challenge (S256) and code_challenge_method=S256.");
        }
        return Optional.empty();
    }

    private static ResponseEntity<Map<String, Object>> oauthError(String error, String description) {
        return ResponseEntity.badRequest()
                .cacheControl(CacheControl.noStore())
                .body(Map.of("error", error, "error_description", description));
    }

    private static String hidden(String name, String value) {
        return "<input type=hidden name=" + name + " value=\"" + HtmlUtils.htmlEscape(value) + "\">";
    }

    private static ResponseEntity<String> html(HttpStatus status, String body) {
        return ResponseEntity.status(status)
                .contentType(MediaType.TEXT_HTML)
                .cacheControl(CacheControl.noStore())
                .body("<!doctype html><html lang=en><meta charset=utf-8><title>Donna dev sign-in</title>"
                        + "<style>body{font:16px system-ui;margin:3rem auto;max-width:32rem}"
                        + ".error{color:#b00}</style><h1>Donna dev</h1>" + body + "</html>");
    }
}
