package app.donna.ingress.apidocs;

import app.donna.platform.security.SecuritySettings;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.1 description of this API at {@code /v3/api-docs}, made by springdoc from the controllers,
 * then completed here with what every endpoint shares and no controller states: who may call it (the
 * security settings' public and internal paths; a bearer token otherwise), and the errors the platform
 * answers before or around any controller (401, 429, 413, 500, 503), all as RFC 9457 problems.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsConfiguration {

    static final String PROBLEM = "Problem";
    static final String BEARER = "bearer";
    static final String INTERNAL = "internalSecret";

    @Bean
    OpenAPI donnaOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Donna ingress API")
                        .version("0.1.0")
                        .description("The public HTTP API of Donna, the AI receptionist and assistant: commands"
                                + " become events on Kafka topics, queries read the projections. Errors are"
                                + " RFC 9457 problems (application/problem+json).")
                        .license(new License().name("Proprietary")))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .bearerFormat("JWT")
                                        .description("An access token of the configured OpenID issuer, or a"
                                                + " visitor token from POST /api/chat/sessions"))
                        .addSecuritySchemes(
                                INTERNAL,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.APIKEY)
                                        .in(SecurityScheme.In.HEADER)
                                        .name("X-Internal-Secret")
                                        .description("The services' shared secret, for system-to-system calls"))
                        .addSchemas(PROBLEM, problemSchema()));
    }

    @Bean
    OpenApiCustomizer donnaAccessAndErrors(SecuritySettings security) {
        CallerRules rules = CallerRules.of(security.publicPaths(), security.internalPaths());
        return openApi -> openApi.getPaths()
                .forEach((path, item) -> item.readOperationsMap()
                        .forEach((method, operation) -> complete(path, method, operation, rules)));
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation operation, CallerRules rules) {
        ApiResponses responses = operation.getResponses();
        CallerRules.Caller caller = rules.callerOf(method.name(), path);
        switch (caller) {
            case ANYONE -> operation.setSecurity(List.of());
            case SYSTEM -> operation.setSecurity(List.of(new SecurityRequirement().addList(INTERNAL)));
            case PERSON -> operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
        }
        if (caller != CallerRules.Caller.ANYONE) {
            addIfMissing(responses, "401", "No credentials, or invalid or expired ones");
        }
        if (caller == CallerRules.Caller.SYSTEM) {
            addIfMissing(responses, "403", "A person's token where only the services' secret is accepted");
        }
        if (operation.getRequestBody() != null) {
            addIfMissing(responses, "400", "The body is not valid JSON, or some fields are missing or invalid");
            addIfMissing(responses, "413", "The body is larger than the limit");
            addIfMissing(responses, "415", "The body is not JSON");
        }
        addIfMissing(responses, "429", "Too many requests from this caller or address; see Retry-After");
        addIfMissing(responses, "500", "An unexpected error (logged with its trace id)");
        addIfMissing(responses, "503", "The database or the broker is not answering; try again shortly");
        responses.forEach((status, response) -> {
            if (!status.startsWith("2") && !status.startsWith("3")) {
                describeAsProblem(response);
            }
        });
    }

    private static void addIfMissing(ApiResponses responses, String status, String description) {
        if (!responses.containsKey(status)) {
            responses.addApiResponse(status, new ApiResponse().description(description));
        }
    }

    /** An error's body is a problem, whatever springdoc inferred from the exception handlers. */
    private static void describeAsProblem(ApiResponse response) {
        response.setContent(new Content()
                .addMediaType(
                        "application/problem+json",
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Schema problemSchema() {
        Map<String, Schema> properties = new java.util.LinkedHashMap<>();
        properties.put("type", new StringSchema().format("uri").description("The kind of problem, documented"));
        properties.put("title", new StringSchema().description("A fixed summary of the kind"));
        properties.put("status", new IntegerSchema().description("The HTTP status"));
        properties.put("detail", new StringSchema().description("What went wrong, for the caller"));
        properties.put("instance", new StringSchema().format("uri-reference"));
        properties.put(
                "errors",
                new io.swagger.v3.oas.models.media.ArraySchema()
                        .items(new ObjectSchema()
                                .addProperty("field", new StringSchema())
                                .addProperty("message", new StringSchema()))
                        .description("For a 400: each offending field or parameter, never its value"));
        ObjectSchema problem = new ObjectSchema();
        problem.setProperties(properties);
        problem.setDescription("An RFC 9457 problem");
        return problem;
    }
}
