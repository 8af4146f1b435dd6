package app.donna.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.localinfra.LocalPorts;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.testing.InfraExtension;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real OpenID provider that is down when the service starts, then slow: signed-in requests get a 503
 * problem with {@code Retry-After} (never a 500 or a hang), discovery is retried in the background, and
 * the same token works as soon as the provider answers.
 */
@ExtendWith(InfraExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(classes = PlatformTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class IdentityProviderOutageTest {

    static final int PORT = LocalPorts.free();
    static final int IDP_PORT = LocalPorts.free();
    static final String ISSUER = "http://127.0.0.1:" + IDP_PORT + "/realms/donna";
    static final RSAKey KEY = newKey();
    static final AtomicBoolean SLOW = new AtomicBoolean();
    static final CountDownLatch RELEASE = new CountDownLatch(1);
    static HttpServer idp;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("spring.application.name", () -> "platform-idp-test");
        registry.add("donna.security.jwt.issuer-uri", () -> ISSUER);
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        registry.add("donna.security.jwt.http-timeout", () -> "1s");
    }

    @AfterAll
    static void stopIdp() {
        RELEASE.countDown();
        if (idp != null) {
            idp.stop(0);
        }
    }

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    @Order(1)
    void signedInRequestsGet503UntilTheProviderAnswersThenWork() throws Exception {
        String token = token("alice");

        // given the provider is down: nothing listens on its port
        HttpResponse<String> whileDown = post(token);
        assertThat(whileDown.statusCode()).isEqualTo(503);
        assertThat(whileDown.headers().firstValue("Retry-After")).isPresent();
        assertThat(whileDown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(whileDown.body()).contains("identity-provider-unavailable").doesNotContain("Exception");

        // when it comes up, then the same token is accepted without a restart
        idp = startIdp();
        await().atMost(Duration.ofSeconds(60)).until(() -> post(token).statusCode() == 202);
        assertThat(post(token("bob")).body()).contains("\"user\":\"bob\"");
    }

    @Test
    @Order(2)
    void aTokenSignedByAKeyTheProviderNoLongerAnswersForIs503NotAHang() throws Exception {
        // a key id not yet seen makes the decoder fetch the key set again, from a provider that now hangs
        if (idp == null) {
            idp = startIdp();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> post(token("warm")).statusCode() == 202);
        SLOW.set(true);
        try {
            RSAKey rotated = new RSAKeyGenerator(2048)
                    .keyID("rotated")
                    .algorithm(JWSAlgorithm.RS256)
                    .generate();
            // the client gives up after 30 s: an answer at all means the 1 s HTTP timeout held, not the provider
            HttpResponse<String> response = post(sign(rotated, claims("carol")));

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        } finally {
            SLOW.set(false);
        }
    }

    // ---- the stand-in provider: OpenID discovery and a JWK set, over real HTTP

    static HttpServer startIdp() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", IDP_PORT), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(
                "/realms/donna/.well-known/openid-configuration",
                exchange -> respond(exchange, "{\"issuer\":\"" + ISSUER + "\",\"jwks_uri\":\"" + ISSUER + "/certs\"}"));
        server.createContext("/realms/donna/certs", exchange -> {
            if (SLOW.get()) {
                try {
                    RELEASE.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            respond(exchange, new JWKSet(KEY.toPublicJWK()).toString());
        });
        server.start();
        return server;
    }

    static void respond(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048)
                    .keyID("idp-1")
                    .algorithm(JWSAlgorithm.RS256)
                    .generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JWTClaimsSet claims(String subject) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .audience(List.of("donna-api"))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .build();
    }

    static String token(String subject) throws Exception {
        return sign(KEY, claims(subject));
    }

    static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    HttpResponse<String> post(String token) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/api/greetings"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\",\"times\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
