package app.donna.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.testing.InfraExtension;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A service configured as in production: an external identity provider (a stand-in serving its JWK set
 * over HTTP), no dev issuer, and tight per-user limits.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(classes = PlatformTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RateLimitAndProductionModeTest {

    static final HttpServer IDP = startIdp();
    static final String ISSUER = "http://127.0.0.1:" + IDP.getAddress().getPort() + "/idp";
    static final DevTokenIssuer TOKENS =
            new DevTokenIssuer(ISSUER, List.of("donna-api"), Duration.ofMinutes(5), Clock.systemUTC());

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IDP.createContext("/idp/jwks.json", exchange -> {
            byte[] body = JsonMapper.builder().build().writeValueAsBytes(TOKENS.jwks());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        registry.add("donna.security.jwt.issuer-uri", () -> ISSUER);
        registry.add("donna.security.jwt.jwk-set-uri", () -> ISSUER + "/jwks.json");
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        registry.add("donna.rate-limit.per-user-burst", () -> "3");
        registry.add("donna.rate-limit.per-user-per-minute", () -> "1");
    }

    @AfterAll
    static void stopIdp() {
        IDP.stop(0);
    }

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void pastTheBurstAUserGets429WithRetryAfter() throws Exception {
        String token = TOKENS.mint("busy-user");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> allowed = greet(token);
            assertThat(allowed.statusCode()).isEqualTo(202);
            // the IETF draft's headers: 3 at once, all back after 3 minutes at 1 a minute; i used so far
            assertThat(allowed.headers().allValues("RateLimit-Policy")).anyMatch(v -> v.contains("\"user\";q=3;w=180"));
            int remaining = 2 - i;
            assertThat(allowed.headers().allValues("RateLimit"))
                    .anyMatch(v -> v.contains("\"user\";r=" + remaining + ";"));
        }

        HttpResponse<String> limited = greet(token);
        assertThat(limited.headers().allValues("RateLimit")).anyMatch(v -> v.startsWith("\"user\";r=0;t="));

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        assertThat(limited.body()).contains("\"status\":429");
        assertThat(greet(TOKENS.mint("calm-user")).statusCode())
                .as("other users are not affected")
                .isEqualTo(202);
    }

    @Test
    void theDevTokenEndpointDoesNotExistOutsideDevMode() throws Exception {
        HttpResponse<String> anonymous = get("/dev/token?sub=alice", null);
        HttpResponse<String> signedIn = get("/dev/token?sub=alice", TOKENS.mint("someone"));

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(signedIn.statusCode()).isEqualTo(404);
        assertThat(signedIn.body()).doesNotContain("access_token");
    }

    private HttpResponse<String> greet(String token) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greetings"))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"text\":\"hi\",\"times\":1}", StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpServer startIdp() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
