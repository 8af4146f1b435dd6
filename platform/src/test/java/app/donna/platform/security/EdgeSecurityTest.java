package app.donna.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.localinfra.LocalPorts;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.testing.InfraExtension;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What every service inherits at its HTTP edge, against a real server: JWT verification through OIDC
 * discovery of the dev issuer, the internal secret, CORS, problem responses and rate limits.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(classes = PlatformTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class EdgeSecurityTest {

    static final int PORT = LocalPorts.free();
    static final String ISSUER = "http://127.0.0.1:" + PORT + "/dev";
    static final String ORIGIN = "https://app.donna.example";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("spring.application.name", () -> "platform-test");
        registry.add("donna.dev.token-issuer.enabled", () -> "true");
        registry.add("donna.security.jwt.issuer-uri", () -> ISSUER);
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        registry.add("donna.security.internal-secret", () -> "s3cret-for-systems");
        registry.add("donna.web.allowed-origins", () -> ORIGIN);
        registry.add("donna.web.max-body-size", () -> "2KB");
        registry.add("donna.rate-limit.per-user-burst", () -> "1000");
        registry.add("donna.rate-limit.per-user-per-minute", () -> "1000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "1000");
        registry.add("donna.rate-limit.per-ip-per-minute", () -> "1000");
    }

    @Autowired
    DevTokenIssuer issuer;

    final HttpClient http = HttpClient.newHttpClient();

    // ---- authentication

    @Test
    void aValidAccessTokenIsAccepted() throws Exception {
        var response = post(issuer.mint("user_ok"), "{\"text\":\"hi\",\"times\":2}");
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains("\"user\":\"user_ok\"").contains("hihi");
    }

    @Test
    void aPlainJwtTypedTokenIsAcceptedToo() throws Exception {
        String token = issuer.sign(claims("user_jwt").build(), "JWT");
        assertThat(post(token, "{\"text\":\"hi\",\"times\":1}").statusCode()).isEqualTo(202);
    }

    @Test
    void noTokenIs401() throws Exception {
        var response = http.send(
                request("/api/greetings")
                        .POST(body("{\"text\":\"hi\",\"times\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertUnauthorized(response);
    }

    @Test
    void anExpiredTokenIs401() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        String token = issuer.sign(
                claims("u")
                        .issueTime(Date.from(past.minusSeconds(60)))
                        .expirationTime(Date.from(past))
                        .build(),
                "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenFromAnotherIssuerIs401() throws Exception {
        String token = issuer.sign(claims("u").issuer("https://evil.example/").build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenWithoutAnIssuerIs401() throws Exception {
        String token = issuer.sign(claims("u").issuer(null).build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenForAnotherAudienceIs401() throws Exception {
        String token = issuer.sign(claims("u").audience("some-other-api").build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void anUnsignedAlgNoneTokenIs401() throws Exception {
        String token = new PlainJWT(claims("u").build()).serialize();
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenSignedByAnUnknownKeyIs401() throws Exception {
        RSAKey stranger =
                new RSAKeyGenerator(2048).keyID(issuer.publicKey().getKeyID()).generate();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(stranger.getKeyID())
                        .build(),
                claims("u").build());
        jwt.sign(new RSASSASigner(stranger));
        assertUnauthorized(post(jwt.serialize(), "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void anHs256TokenSignedWithThePublicKeyIs401() throws Exception {
        // the classic algorithm-confusion attack: the public key used as an HMAC secret
        byte[] publicKeyBytes = issuer.publicKey().toRSAPublicKey().getEncoded();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(issuer.publicKey().getKeyID())
                        .build(),
                claims("u").build());
        jwt.sign(new MACSigner(publicKeyBytes));
        assertUnauthorized(post(jwt.serialize(), "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenWithAnUnexpectedTypeIs401() throws Exception {
        String token = issuer.sign(claims("u").build(), "secevent+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenWithoutAnExpiryIs401() throws Exception {
        // RFC 8725 / RFC 9068: such a token would be good forever (and remembered forever)
        String token = issuer.sign(claims("u").expirationTime(null).build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "nul\u0000in-sub", "overlong"})
    void aTokenWithoutAUsableSubjectIs401(String subject) throws Exception {
        String sub = subject.equals("overlong") ? "u".repeat(256) : subject;
        String token = issuer.sign(claims(sub).build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    @Test
    void aTokenWithNoSubjectClaimIs401() throws Exception {
        String token = issuer.sign(claims("u").subject(null).build(), "at+jwt");
        assertUnauthorized(post(token, "{\"text\":\"hi\",\"times\":1}"));
    }

    // ---- internal secret

    @Test
    void theInternalSecretIsNoUserOnThePublicApi() throws Exception {
        var response = http.send(
                request("/api/greetings")
                        .header("X-Internal-Secret", "s3cret-for-systems")
                        .POST(body("{\"text\":\"hi\",\"times\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 403);
    }

    @Test
    void guessingTheInternalSecretIsLimitedPerAddress() throws Exception {
        // from an address of its own, so the other tests' calls from 127.0.0.1 are not limited
        HttpClient guesser = HttpClient.newBuilder()
                .localAddress(java.net.InetAddress.getByName("127.0.0.2"))
                .build();
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < InternalSecretFilter.WRONG_SECRETS_BURST + 1; i++) {
            statuses.add(guesser.send(
                            request("/internal/ping")
                                    .header("X-Internal-Secret", "guess-" + i)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
        var rightButTooLate = guesser.send(
                request("/internal/ping")
                        .header("X-Internal-Secret", "s3cret-for-systems")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(statuses.subList(0, InternalSecretFilter.WRONG_SECRETS_BURST))
                .containsOnly(401);
        assertThat(statuses.getLast()).isEqualTo(429);
        assertCleanProblem(rightButTooLate, 429);
        assertThat(rightButTooLate.headers().firstValue("Retry-After")).isPresent();
        assertThat(http.send(
                                request("/internal/ping")
                                        .header("X-Internal-Secret", "s3cret-for-systems")
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .as("other addresses are not limited")
                .isEqualTo(200);
    }

    @Test
    void theInternalSecretOpensInternalEndpoints() throws Exception {
        var ok = http.send(
                request("/internal/ping")
                        .header("X-Internal-Secret", "s3cret-for-systems")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        var wrong = http.send(
                request("/internal/ping")
                        .header("X-Internal-Secret", "guess")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        var userToken = http.send(
                request("/internal/ping")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("pong");
        assertUnauthorized(wrong);
        assertThat(userToken.statusCode()).as("a user is not a system").isEqualTo(403);
    }

    @Test
    void healthIsPublicAndMetricsAreInternal() throws Exception {
        var health = http.send(request("/actuator/health").GET().build(), HttpResponse.BodyHandlers.ofString());
        var metricsAnon =
                http.send(request("/actuator/prometheus").GET().build(), HttpResponse.BodyHandlers.ofString());
        var metrics = http.send(
                request("/actuator/prometheus")
                        .header("X-Internal-Secret", "s3cret-for-systems")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"kafka\"").contains("\"status\":\"UP\"");
        assertThat(metricsAnon.statusCode()).isEqualTo(401);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    // ---- CORS

    @Test
    void aListedOriginGetsCorsHeaders() throws Exception {
        var response = http.send(
                request("/api/greetings")
                        .header("Origin", ORIGIN)
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .POST(body("{\"text\":\"hi\",\"times\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials"))
                .hasValue("true");
        assertThat(response.headers().allValues("Vary")).anyMatch(v -> v.contains("Origin"));
    }

    @Test
    void anUnlistedOriginGetsNoCorsHeaders() throws Exception {
        var response = http.send(
                request("/api/greetings")
                        .header("Origin", "https://evil.example")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .POST(body("{\"text\":\"hi\",\"times\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials"))
                .isEmpty();
    }

    @Test
    void preflightWorksForListedOriginsOnly() throws Exception {
        var listed = http.send(preflight(ORIGIN), HttpResponse.BodyHandlers.ofString());
        var unlisted = http.send(preflight("https://evil.example"), HttpResponse.BodyHandlers.ofString());

        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
        assertThat(listed.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
                .contains("POST");
        assertThat(listed.headers().allValues("Vary")).anyMatch(v -> v.contains("Origin"));
        assertThat(unlisted.statusCode()).isEqualTo(403);
        assertThat(unlisted.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    // ---- bad input

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"times\":1}", // missing field
                "{\"text\":\"hi\",\"times\":\"many\"}", // wrong type
                "{\"text\":42,\"times\":1}", // a number for text
                "{\"text\":\"hi\",\"times\":\"3\"}", // a string for a number
                "{\"text\":\"hi\",\"times\":1,\"admin\":true}", // unknown property
                "{\"text\":\"hi\",\"times\":", // malformed JSON
                "{\"text\":\"hi\",\"times\":99}", // out of range
                "[1,2,3]", // wrong shape
                ""
            }) // no body
    void badInputIsA400ProblemWithoutInternals(String json) throws Exception {
        var response = post(issuer.mint("u"), json);
        assertCleanProblem(response, 400);
    }

    @Test
    void validationErrorsNameTheFieldsAndTheLimitWithoutEchoingInput() throws Exception {
        var response = post(issuer.mint("u"), "{\"text\":\"'1' OR '1'='1'\",\"times\":99}");

        assertCleanProblem(response, 400);
        assertThat(response.body())
                .contains("\"field\":\"times\"")
                .contains("less than or equal to 10")
                .doesNotContain("OR '1'")
                .doesNotContain("99");
    }

    @Test
    void anOutOfRangeQueryParameterSaysTheMaximum() throws Exception {
        var response = http.send(
                request("/api/pages?limit=500")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertCleanProblem(response, 400);
        assertThat(response.body()).contains("\"field\":\"limit\"").contains("less than or equal to 200");
    }

    @Test
    void aMistypedQueryParameterIsA400NamingIt() throws Exception {
        var response = http.send(
                request("/api/pages?limit=lots")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertCleanProblem(response, 400);
        assertThat(response.body()).contains("\"field\":\"limit\"").doesNotContain("lots");
    }

    @Test
    void anOversizedBodyIsA413Problem() throws Exception {
        String big = "{\"text\":\"" + "x".repeat(5000) + "\",\"times\":1}";
        assertCleanProblem(post(issuer.mint("u"), big), 413);
    }

    @Test
    void anOversizedChunkedBodyIsA413ProblemToo() throws Exception {
        byte[] big = ("{\"text\":\"" + "x".repeat(5000) + "\",\"times\":1}").getBytes();
        var response = http.send(
                request("/api/greetings")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 413);
    }

    @Test
    void aDatabaseThatIsNotAnsweringIsA503WithRetryAfter() throws Exception {
        var response = http.send(
                request("/api/database-down")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/greetings/..;/internal/ping",
                "/api/%2e%2e/internal/ping",
                "/api/a%00b",
                "/api//greetings",
                "/api/greetings%0a"
            })
    void requestsTheFirewallRefusesGetAProblem(String path) throws Exception {
        var response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path))
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isBetween(400, 499);
        assertCleanProblem(response, response.statusCode());
    }

    @Test
    void traceIsA405Problem() throws Exception {
        var response = http.send(
                request("/api/greetings")
                        .method("TRACE", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 405);
    }

    @Test
    void theErrorPathItselfIsA404Problem() throws Exception {
        var response = http.send(request("/error").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 404);
    }

    @Test
    void anOversizedUrlIsAProblem() throws Exception {
        var response = http.send(
                request("/api/greetings?q=" + "x".repeat(20_000)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isBetween(400, 499);
        assertCleanProblem(response, response.statusCode());
    }

    @Test
    void anUnknownPathIsA404Problem() throws Exception {
        var response = http.send(
                request("/api/nothing-here")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 404);
    }

    @Test
    void anUnexpectedErrorIsA500ProblemWithoutInternals() throws Exception {
        var response = http.send(
                request("/api/boom")
                        .header("Authorization", "Bearer " + issuer.mint("u"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertCleanProblem(response, 500);
        assertThat(response.body()).doesNotContain("secret internal detail");
    }

    // ---- dev issuer

    @Test
    void theDevIssuerHandsOutTokens() throws Exception {
        var response = http.send(request("/dev/token?sub=alice").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"access_token\":\"ey");
    }

    // ---- helpers

    static JWTClaimsSet.Builder claims(String subject) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .audience(List.of("donna-api"))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
    }

    HttpResponse<String> post(String token, String json) throws Exception {
        return http.send(
                request("/api/greetings")
                        .header("Authorization", "Bearer " + token)
                        .POST(body(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path))
                .header("Content-Type", "application/json");
    }

    static HttpRequest.BodyPublisher body(String json) {
        return HttpRequest.BodyPublishers.ofString(json);
    }

    static HttpRequest preflight(String origin) {
        return request("/api/greetings")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .build();
    }

    static void assertUnauthorized(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"status\":401");
    }

    static void assertCleanProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body())
                .contains("\"status\":" + status)
                .doesNotContainIgnoringCase("exception")
                .doesNotContain("java.")
                .doesNotContain("tools.jackson")
                .doesNotContain("springframework")
                .doesNotContain("\tat ");
    }
}
