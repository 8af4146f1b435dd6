package app.donna.ingress.console;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevSignIn;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.testing.InfraExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console's server side: its page and settings need no token, and the dev issuer signs a browser in
 * with the authorization code flow and PKCE as a production provider would, refusing what a provider must
 * (another site's redirect URI, no PKCE, a wrong verifier, a code used twice or for another client).
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class ConsoleSignInTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(10));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String CONSOLE = "http://127.0.0.1:" + PORT + "/console/";
    static final HttpClient HTTP = HttpClient.newHttpClient(); // follows no redirects

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.console.client-id", () -> "donna-console");
        registry.add("donna.console.voice-relay-url", () -> "wss://voice.example.test");
        registry.add("donna.rate-limit.shared", () -> "false");
    }

    @Test
    void theConsolesPageAndSettingsNeedNoToken() throws Exception {
        HttpResponse<String> bare = get("/console");
        assertThat(bare.statusCode()).isEqualTo(302);
        assertThat(bare.headers().firstValue("Location").orElseThrow()).endsWith("/console/");
        HttpResponse<String> page = get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Donna console</title>", "console.js");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'", "frame-ancestors 'none'")
                .contains("connect-src 'self' http://127.0.0.1:" + PORT + " wss://voice.example.test");
        assertThat(get("/console/console.js")
                        .headers()
                        .firstValue("Content-Type")
                        .orElseThrow())
                .contains("javascript");

        JsonNode config = JSON.readTree(get("/api/console/config").body());
        assertThat(config.path("issuer").asString()).isEqualTo("http://127.0.0.1:" + PORT + "/dev");
        assertThat(config.path("clientId").asString()).isEqualTo("donna-console");
        assertThat(config.path("audience").asString()).isEqualTo("donna-api");
        assertThat(config.path("voiceRelayUrl").asString()).isEqualTo("wss://voice.example.test");

        JsonNode discovery =
                JSON.readTree(get("/dev/.well-known/openid-configuration").body());
        assertThat(discovery.path("authorization_endpoint").asString()).endsWith("/dev/authorize");
        assertThat(discovery.path("token_endpoint").asString()).endsWith("/dev/oauth/token");
        assertThat(discovery.path("code_challenge_methods_supported").toString())
                .contains("S256");
    }

    @Test
    void aBrowserSignsInWithACodeAndItsVerifier() throws Exception {
        String verifier = "v".repeat(20) + UUID.randomUUID();
        HttpResponse<String> page = get(authorize(CONSOLE, DevSignIn.challengeOf(verifier), "s1"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form", "name=subject");

        String code = signIn("alice", CONSOLE, DevSignIn.challengeOf(verifier), "s1");
        HttpResponse<String> token = token(code, "donna-console", CONSOLE, verifier);
        assertThat(token.statusCode()).isEqualTo(200);
        String accessToken = JSON.readTree(token.body()).path("access_token").asString();
        assertThat(API.get(accessToken, "/api/chat/sessions").statusCode()).isEqualTo(200);

        HttpResponse<String> again = token(code, "donna-console", CONSOLE, verifier);
        assertThat(again.statusCode()).as("a code is redeemed once").isEqualTo(400);
        assertThat(again.body()).contains("invalid_grant");
    }

    @Test
    void whatAProviderMustRefuseIsRefused() throws Exception {
        String verifier = "w".repeat(20) + UUID.randomUUID();
        String challenge = DevSignIn.challengeOf(verifier);
        HttpResponse<String> elsewhere = get(authorize("https://evil.example/console/", challenge, "s"));
        assertThat(elsewhere.statusCode()).as("another site's redirect URI").isEqualTo(400);
        assertThat(elsewhere.headers().firstValue("Location")).isEmpty();
        assertThat(get(authorize(CONSOLE, "", "s")).statusCode()).as("no PKCE").isEqualTo(400);

        String code = signIn("bob", CONSOLE, challenge, "s2");
        assertThat(token(code, "donna-console", CONSOLE, "not-the-verifier-" + UUID.randomUUID())
                        .body())
                .contains("invalid_grant");
        assertThat(token(code, "donna-console", CONSOLE, verifier).body())
                .as("a code tried with a wrong verifier is spent")
                .contains("invalid_grant");
        String other = signIn("bob", CONSOLE, challenge, "s3");
        assertThat(token(other, "another-client", CONSOLE, verifier).body()).contains("invalid_grant");
        String third = signIn("bob", CONSOLE, challenge, "s4");
        assertThat(token(third, "donna-console", CONSOLE + "elsewhere", verifier)
                        .body())
                .contains("invalid_grant");
        assertThat(form("/dev/oauth/token", Map.of("grant_type", "password", "username", "bob"))
                        .body())
                .contains("unsupported_grant_type");
    }

    static String authorize(String redirectUri, String challenge, String state) {
        return UriComponentsBuilder.fromPath("/dev/authorize")
                .queryParam("response_type", "code")
                .queryParam("client_id", "donna-console")
                .queryParam("redirect_uri", redirectUri)
                .queryParam("state", state)
                .queryParam("code_challenge", challenge)
                .queryParam("code_challenge_method", "S256")
                .encode()
                .build()
                .toUriString();
    }

    /** Submits the sign-in form; returns the code the browser is sent back with (checking the state). */
    static String signIn(String subject, String redirectUri, String challenge, String state) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("client_id", "donna-console");
        fields.put("redirect_uri", redirectUri);
        fields.put("state", state);
        fields.put("code_challenge", challenge);
        fields.put("subject", subject);
        HttpResponse<String> response = form("/dev/authorize", fields);
        assertThat(response.statusCode()).isEqualTo(303);
        URI back = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertThat(back.toString()).startsWith(redirectUri);
        var query = UriComponentsBuilder.fromUri(back).build().getQueryParams();
        assertThat(query.getFirst("state")).isEqualTo(state);
        return query.getFirst("code");
    }

    static HttpResponse<String> token(String code, String clientId, String redirectUri, String verifier)
            throws Exception {
        return form(
                "/dev/oauth/token",
                Map.of(
                        "grant_type", "authorization_code",
                        "code", code,
                        "client_id", clientId,
                        "redirect_uri", redirectUri,
                        "code_verifier", verifier));
    }

    static HttpResponse<String> form(String path, Map<String, String> fields) throws Exception {
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return HTTP.send(
                HttpRequest.newBuilder(API.uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(API.uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
