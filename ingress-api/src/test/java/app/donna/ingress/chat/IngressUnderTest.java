package app.donna.ingress.chat;

import app.donna.devissuer.DevTokenIssuer;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * ingress-api alone under test: the settings every such test sets (its port, the dev issuer's tokens, the
 * schema), and requests to it that time out rather than hang.
 */
public final class IngressUnderTest {

    private final int port;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newHttpClient();

    /** @param timeout how long any one request may take: a hang fails the test instead of holding it */
    public IngressUnderTest(int port, Duration timeout) {
        this.port = port;
        this.timeout = timeout;
    }

    public static void properties(DynamicPropertyRegistry registry, int port) {
        properties(port).forEach((name, value) -> registry.add(name, () -> value));
    }

    /** The settings of an instance on {@code port} that hosts the dev issuer. */
    public static Map<String, Object> properties(int port) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", port);
        properties.put("donna.dev.token-issuer.enabled", "true");
        properties.put("donna.security.jwt.issuer-uri", "http://127.0.0.1:" + port + "/dev");
        properties.put("donna.security.jwt.audiences", "donna-api");
        // the schema is projections'; these tests have no projector, so ingress-api migrates the database
        properties.put("spring.flyway.enabled", "true");
        properties.put("spring.datasource.hikari.read-only", "false");
        return properties;
    }

    /**
     * A token from the dev issuer with the role claim {@code org_role} ({@code role}: a string or a list) and,
     * unless null, the workspace claim {@code org_id}, for an instance configured with those claim names.
     */
    public static String withRoleClaim(DevTokenIssuer issuer, String subject, Object role, String workspace) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer.issuer())
                .subject(subject)
                .audience("donna-api")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .claim("org_role", role);
        if (workspace != null) {
            claims.claim("org_id", workspace);
        }
        return issuer.sign(claims.build(), "at+jwt");
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A JSON request with {@code token}, timing out after the test's timeout. */
    public HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(uri(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /api/chat/sessions/{session}/messages}. */
    HttpResponse<String> postMessage(String token, UUID session, String json) throws Exception {
        return send(request("/api/chat/sessions/" + session + "/messages", token)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    public HttpResponse<String> get(String token, String path) throws Exception {
        return send(request(path, token).GET().build());
    }
}
