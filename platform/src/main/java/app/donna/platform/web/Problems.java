package app.donna.platform.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9457 problem responses written outside Spring MVC (security and servlet filters), in the same
 * shape as the ones {@link ProblemResponses} returns from controllers. Only the status, a fixed title and
 * a short, caller-facing detail: never an exception message, class name or stack trace.
 */
public final class Problems {

    /** Base of the {@code type} URIs; each kind of problem has its own, documented in docs/security.md. */
    public static final String TYPE_BASE = "https://donna.app/problems/";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {}

    public static ProblemDetail of(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + type));
        problem.setTitle(title);
        return problem;
    }

    /** A controller's answer of {@code problem}, with its status. */
    public static ResponseEntity<ProblemDetail> response(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }

    /** The detail of a 401 that says nothing of which check failed. */
    public static final String BAD_CREDENTIALS = "The credentials are missing, invalid or expired.";

    /** The detail of a 400 that lists its fields. */
    public static final String INVALID_FIELDS = "Some fields are missing or invalid.";

    /** A 401 with {@code detail}. */
    public static ProblemDetail unauthorized(String detail) {
        return of(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail);
    }

    /** A 400 naming one offending field or parameter. */
    public static ProblemDetail invalid(String field, String message) {
        return invalid(INVALID_FIELDS, java.util.List.of(new FieldProblem(field, message)));
    }

    /** One field or parameter a request got wrong, and what is wrong with it (never its value). */
    public record FieldProblem(String field, String message) {}

    /** A 400 naming each offending field or parameter. */
    public static ProblemDetail invalid(String detail, java.util.List<FieldProblem> errors) {
        ProblemDetail problem = of(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail);
        problem.setProperty(
                "errors",
                errors.stream()
                        .map(e -> Map.of("field", e.field(), "message", e.message()))
                        .toList());
        return problem;
    }

    public static void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", String.valueOf(problem.getType()));
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            body.put("detail", problem.getDetail());
        }
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(JSON.writeValueAsBytes(body));
    }
}
