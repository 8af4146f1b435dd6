package app.donna.localinfra;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;

/**
 * A local stand-in for the parts of Google that connecting a Gmail mailbox uses, speaking their real HTTP
 * protocol to the real Google client libraries: the consent page ({@code GET /o/oauth2/v2/auth}, which
 * approves at once by redirecting back with a code, as a user clicking "Allow" would), the token endpoint
 * ({@code POST /token}: the authorization code grant with PKCE S256, and refresh tokens), revocation
 * ({@code POST /revoke}) and the subset of the Gmail API Donna uses ({@link StandInGmailApi}), over
 * mailboxes of its own ({@link StandInMailbox}). A code is good once, for its redirect URI and its verifier;
 * tokens are random and checked on every call, each opening the one mailbox its consent connected. Tests
 * script failures of the token endpoint and of each mailbox; {@code donna dev} runs it as the demo
 * mailbox's Google.
 */
public final class StandInGoogle implements AutoCloseable {

    /** A code handed out by the consent page, until it is exchanged. */
    private record Pending(String redirectUri, String challenge, String scope, String mailbox) {}

    /** What a token opens: its scopes, in one mailbox. */
    private record Grant(String scope, String mailbox) {}

    /**
     * An answer given next instead of the real one: a status, a JSON body and, for a {@code 429}, the
     * seconds its {@code Retry-After} asks for.
     */
    public record Failure(int status, String json, int retryAfterSeconds) {
        public Failure(int status, String json) {
            this(status, json, status == 429 ? 1 : 0);
        }

        /** Gmail's per-user rate limit, as it answers it. */
        public static Failure rateLimited(int retryAfterSeconds) {
            return new Failure(
                    429,
                    "{\"error\":{\"code\":429,\"message\":\"User-rate limit exceeded.\","
                            + "\"status\":\"RESOURCE_EXHAUSTED\"}}",
                    retryAfterSeconds);
        }

        /** Gmail's backend failing. */
        public static Failure backendError() {
            return new Failure(
                    503,
                    "{\"error\":{\"code\":503,\"message\":\"The service is currently unavailable.\","
                            + "\"status\":\"UNAVAILABLE\"}}",
                    0);
        }
    }

    private final HttpServer server;
    private final String clientId;
    private final String clientSecret;
    private final String defaultMailbox;
    private final Map<String, StandInMailbox> mailboxes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Pending> codes = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, Grant> accessTokens = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Failure> tokenFailures = new ConcurrentLinkedDeque<>();
    private final List<Map<String, String>> tokenRequests = new ArrayList<>();
    private final StandInGmailApi gmail = new StandInGmailApi();

    /**
     * @param clientId     the OAuth client it knows
     * @param clientSecret that client's secret
     * @param mailbox      the address of the mailbox a consent connects unless its {@code login_hint}
     *                     names another of {@link #mailbox(String)}'s
     */
    public StandInGoogle(String clientId, String clientSecret, String mailbox) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.defaultMailbox = mailbox;
        mailbox(mailbox);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/o/oauth2/v2/auth", this::consent);
        server.createContext("/token", this::token);
        server.createContext("/revoke", this::revoke);
        server.createContext("/gmail/v1/users/me/", exchange -> {
            StandInMailbox box = signedIn(exchange);
            if (box != null) {
                gmail.handle(exchange, box);
            }
        });
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String authorizationEndpoint() {
        return baseUrl() + "/o/oauth2/v2/auth";
    }

    public String tokenEndpoint() {
        return baseUrl() + "/token";
    }

    public String revokeEndpoint() {
        return baseUrl() + "/revoke";
    }

    /** The root URL to give the Gmail client in place of {@code https://gmail.googleapis.com/}. */
    public String gmailRootUrl() {
        return baseUrl() + "/";
    }

    /** The token endpoint answers the next requests so, in order (a 429, a 503, an {@code invalid_grant}). */
    public StandInGoogle failTokenRequests(Failure... failures) {
        tokenFailures.addAll(List.of(failures));
        return this;
    }

    /** The token requests received, oldest first, as their form fields. */
    public List<Map<String, String>> tokenRequests() {
        synchronized (tokenRequests) {
            return List.copyOf(tokenRequests);
        }
    }

    /** The mailbox at {@code address}, made empty on first use; a consent naming it in {@code login_hint} connects it. */
    public StandInMailbox mailbox(String address) {
        return mailboxes.computeIfAbsent(address, a -> {
            StandInMailbox box = new StandInMailbox(a);
            box.outbox(this::deliver);
            return box;
        });
    }

    /** A mail one mailbox sent reaches each of the stand-in's mailboxes among its recipients. */
    private void deliver(StandInMailbox.Message sent) {
        String recipients =
                sent.header("To").orElse("") + "," + sent.header("Cc").orElse("");
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("[\\w.+-]+@[\\w.-]+").matcher(recipients);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            String address = m.group().toLowerCase(java.util.Locale.ROOT);
            StandInMailbox to = mailboxes.get(address);
            if (to != null && seen.add(address)) {
                to.receive(sent);
            }
        }
    }

    /** Whether {@code refreshToken} was issued and not revoked. */
    public boolean holds(String refreshToken) {
        return refreshTokens.containsKey(refreshToken);
    }

    /**
     * The consent page: approves at once and sends the browser back to the client's redirect URI with a
     * code and the state, or with {@code error=invalid_request} when the request is not one Google takes.
     */
    private void consent(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> q = form(exchange.getRequestURI().getRawQuery());
            String redirect = q.get("redirect_uri");
            if (!clientId.equals(q.get("client_id")) || redirect == null) {
                respond(exchange, 400, "text/plain", "Error 400: invalid_request (unknown client or no redirect_uri)");
                return;
            }
            String error = null;
            if (!"code".equals(q.get("response_type"))) {
                error = "unsupported_response_type";
            } else if (!"S256".equals(q.get("code_challenge_method")) || q.get("code_challenge") == null) {
                error = "invalid_request"; // this stand-in insists on PKCE S256, as Donna always sends it
            }
            Map<String, String> back = new LinkedHashMap<>();
            if (error != null) {
                back.put("error", error);
            } else {
                String code = "4/0" + token();
                String hint = q.get("login_hint");
                String box = hint != null && mailboxes.containsKey(hint) ? hint : defaultMailbox;
                codes.put(code, new Pending(redirect, q.get("code_challenge"), q.getOrDefault("scope", ""), box));
                back.put("code", code);
                back.put("scope", q.getOrDefault("scope", ""));
            }
            if (q.get("state") != null) {
                back.put("state", q.get("state"));
            }
            exchange.getResponseHeaders()
                    .add("Location", redirect + (redirect.contains("?") ? "&" : "?") + query(back));
            exchange.sendResponseHeaders(302, -1);
        }
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> f = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            synchronized (tokenRequests) {
                tokenRequests.add(f);
            }
            Failure failure = tokenFailures.pollFirst();
            if (failure != null) {
                if (failure.retryAfterSeconds() > 0) {
                    exchange.getResponseHeaders().add("Retry-After", String.valueOf(failure.retryAfterSeconds()));
                }
                respond(exchange, failure.status(), "application/json", failure.json());
                return;
            }
            if (!clientId.equals(f.get("client_id")) || !clientSecret.equals(f.get("client_secret"))) {
                tokenError(exchange, 401, "invalid_client", "The OAuth client was not found.");
                return;
            }
            switch (f.getOrDefault("grant_type", "")) {
                case "authorization_code" -> {
                    Pending pending = f.get("code") == null ? null : codes.remove(f.get("code"));
                    if (pending == null) {
                        tokenError(exchange, 400, "invalid_grant", "Malformed auth code.");
                    } else if (!pending.redirectUri().equals(f.get("redirect_uri"))) {
                        tokenError(exchange, 400, "redirect_uri_mismatch", "Bad Request");
                    } else if (f.get("code_verifier") == null
                            || !pending.challenge().equals(s256(f.get("code_verifier")))) {
                        tokenError(exchange, 400, "invalid_grant", "Invalid code verifier.");
                    } else {
                        String refresh = "1//0" + token();
                        Grant grant = new Grant(pending.scope(), pending.mailbox());
                        refreshTokens.put(refresh, grant);
                        tokens(exchange, grant, refresh);
                    }
                }
                case "refresh_token" -> {
                    Grant grant = f.get("refresh_token") == null ? null : refreshTokens.get(f.get("refresh_token"));
                    if (grant == null) {
                        tokenError(exchange, 400, "invalid_grant", "Token has been expired or revoked.");
                    } else {
                        tokens(exchange, grant, null);
                    }
                }
                default -> tokenError(exchange, 400, "unsupported_grant_type", "Invalid grant_type.");
            }
        }
    }

    private void tokens(HttpExchange exchange, Grant grant, String refresh) throws IOException {
        String access = "ya29.a0" + token();
        accessTokens.put(access, grant);
        String scope = grant.scope();
        respond(
                exchange,
                200,
                "application/json",
                "{\"access_token\":\"" + access + "\",\"expires_in\":3599,\"scope\":\"" + scope
                        + "\",\"token_type\":\"Bearer\""
                        + (refresh == null ? "" : ",\"refresh_token\":\"" + refresh + "\"")
                        + "}");
    }

    private void revoke(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> f =
                    form(body.isEmpty() ? exchange.getRequestURI().getRawQuery() : body);
            String token = f.get("token");
            Grant revoked = token == null ? null : refreshTokens.remove(token);
            boolean known = revoked != null || (token != null && accessTokens.remove(token) != null);
            if (revoked != null) {
                accessTokens.values().removeIf(revoked::equals); // revoking a grant ends its access tokens too
            }
            if (known) {
                respond(exchange, 200, "application/json", "{}");
            } else {
                tokenError(exchange, 400, "invalid_token", "Token expired or revoked");
            }
        }
    }

    /** The mailbox the request's bearer token opens; or null, having answered 401 as Gmail does. */
    private StandInMailbox signedIn(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        Grant grant = authorization == null || !authorization.startsWith("Bearer ")
                ? null
                : accessTokens.get(authorization.substring(7));
        if (grant == null) {
            try (exchange) {
                respond(
                        exchange,
                        401,
                        "application/json",
                        "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
                                + "\"status\":\"UNAUTHENTICATED\"}}");
            }
            return null;
        }
        return mailbox(grant.mailbox());
    }

    private static void tokenError(HttpExchange exchange, int status, String error, String description)
            throws IOException {
        respond(
                exchange,
                status,
                "application/json",
                "{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    }

    static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String token() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(
                            MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> form(String encoded) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            String[] kv = pair.split("=", 2);
            fields.put(
                    URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    private static String query(Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        fields.forEach((k, v) -> b.append(b.isEmpty() ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return b.toString();
    }

    /** Follows the consent page as a browser would, for tests: the URI the browser is sent back to. */
    public URI approve(URI consentPage) throws IOException, InterruptedException {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(
                java.net.http.HttpRequest.newBuilder(consentPage).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        return URI.create(response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new IllegalStateException(
                        "the consent page answered " + response.statusCode() + " without sending the browser back")));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
