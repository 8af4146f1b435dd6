package app.donna.ingress.apidocs;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.ingress.IngressApplication;
import app.donna.ingress.chat.IngressUnderTest;
import app.donna.localinfra.LocalPorts;
import app.donna.testing.InfraExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI description at {@code /v3/api-docs} against the running API: every endpoint a controller of
 * ingress-api maps is in it, every operation describes its errors as problems, and what the API really
 * answers to a caller without credentials, and to a signed-in caller sending a body it cannot read, is
 * among the responses the description names for that operation.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class ApiDocsTest {

    static final int PORT = LocalPorts.free();
    static final IngressUnderTest API = new IngressUnderTest(PORT, Duration.ofSeconds(10));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.security.anonymous.secret", () -> "a-test-secret-of-at-least-32-bytes!!");
        registry.add("donna.security.internal-secret", () -> "the-internal-secret");
        registry.add("donna.rate-limit.shared", () -> "false");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
    }

    @Autowired
    DevTokenIssuer issuer;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void theDescriptionIsOpenApi31AndNeedsNoCredentials() throws Exception {
        HttpResponse<String> response =
                API.send(HttpRequest.newBuilder(API.uri("/v3/api-docs")).GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode doc = JSON.readTree(response.body());
        assertThat(doc.path("openapi").asString()).startsWith("3.1");
        assertThat(doc.path("components").path("securitySchemes").has("bearer")).isTrue();
        // Swagger UI is donna dev's, not production's
        assertThat(API.send(HttpRequest.newBuilder(API.uri("/swagger-ui/index.html"))
                                .GET()
                                .build())
                        .statusCode())
                .isNotEqualTo(200);
    }

    @Test
    void everyEndpointOfTheControllersIsDescribed() throws Exception {
        JsonNode paths = description().path("paths");
        Set<String> mapped = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> entry :
                mappings.getHandlerMethods().entrySet()) {
            if (!entry.getValue().getBeanType().getPackageName().startsWith("app.donna.ingress")) {
                continue; // the error controller, the dev issuer (donna dev's only), springdoc's own
            }
            for (String path : entry.getKey().getPatternValues()) {
                for (var method : entry.getKey().getMethodsCondition().getMethods()) {
                    mapped.add(method.name().toLowerCase() + " " + path);
                }
            }
        }
        Set<String> described = new TreeSet<>();
        for (var path : paths.properties()) {
            for (var operation : path.getValue().properties()) {
                if (METHODS.contains(operation.getKey())) {
                    described.add(operation.getKey() + " " + path.getKey());
                }
            }
        }

        assertThat(mapped).hasSizeGreaterThan(30);
        assertThat(described).containsAll(mapped);
    }

    @Test
    void everyOperationDescribesItsSuccessAndItsErrorsAsProblems() throws Exception {
        List<String> missing = new ArrayList<>();
        forEachOperation(description(), (method, path, operation) -> {
            JsonNode responses = operation.path("responses");
            boolean anyClientError = false;
            boolean anySuccess = false;
            for (var response : responses.properties()) {
                String status = response.getKey();
                if (status.startsWith("2") || status.startsWith("3")) {
                    anySuccess = true;
                }
                if (status.startsWith("4")) {
                    anyClientError = true;
                }
                if (status.startsWith("4") || status.startsWith("5")) {
                    JsonNode schema = response.getValue()
                            .path("content")
                            .path("application/problem+json")
                            .path("schema");
                    if (!schema.path("$ref").asString("").endsWith("/Problem")) {
                        missing.add(method + " " + path + " " + status + " is not described as a problem");
                    }
                }
                if (response.getValue().path("description").asString("").isBlank()) {
                    missing.add(method + " " + path + " " + status + " has no description");
                }
            }
            if (!anySuccess) {
                missing.add(method + " " + path + " describes no success");
            }
            if (!anyClientError) {
                missing.add(method + " " + path + " describes no client error");
            }
            if (!responses.has("500") || !responses.has("503")) {
                missing.add(method + " " + path + " does not describe 500 and 503");
            }
        });
        assertThat(missing).isEmpty();
    }

    /**
     * The errors really answered are the described ones: each operation called without credentials, by a
     * website visitor, and by a signed-in stranger, with an unreadable body, for a resource that does not
     * exist.
     */
    @Test
    void whatTheApiAnswersIsDescribed() throws Exception {
        String stranger = issuer.mint("stranger-" + UUID.randomUUID());
        HttpResponse<String> opened = API.send(HttpRequest.newBuilder(API.uri("/api/chat/sessions"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(opened.statusCode()).isEqualTo(201);
        String visitor = JSON.readTree(opened.body()).path("token").asString();
        List<String> undescribed = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        forEachOperation(description(), (method, path, operation) -> probes.add(new Probe(method, path, operation)));
        assertThat(probes).hasSizeGreaterThan(30);
        for (Probe probe : probes) {
            String concrete =
                    probe.path().replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            boolean hasBody = probe.operation().has("requestBody");
            for (String token : new String[] {null, visitor, stranger}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(API.uri(concrete))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json");
                if (token != null) {
                    request.header("Authorization", "Bearer " + token);
                }
                HttpRequest.BodyPublisher body = hasBody
                        ? HttpRequest.BodyPublishers.ofString("{\"not\": json")
                        : HttpRequest.BodyPublishers.noBody();
                request.method(probe.method().toUpperCase(), body);
                int status = API.send(request.build()).statusCode();
                if (!probe.operation().path("responses").has(Integer.toString(status))) {
                    undescribed.add(probe.method() + " " + probe.path()
                            + (token == null
                                    ? " without a token"
                                    : token.equals(visitor) ? " for a visitor" : " for a user")
                            + " answered " + status);
                }
            }
        }
        assertThat(undescribed).isEmpty();
    }

    record Probe(String method, String path, JsonNode operation) {}

    interface OperationVisitor {
        void visit(String method, String path, JsonNode operation);
    }

    static void forEachOperation(JsonNode doc, OperationVisitor visitor) {
        for (var path : doc.path("paths").properties()) {
            for (var operation : path.getValue().properties()) {
                if (METHODS.contains(operation.getKey())) {
                    visitor.visit(operation.getKey(), path.getKey(), operation.getValue());
                }
            }
        }
    }

    static JsonNode description() throws Exception {
        HttpResponse<String> response =
                API.send(HttpRequest.newBuilder(API.uri("/v3/api-docs")).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
