package app.donna.platform.web;

import jakarta.validation.ConstraintViolationException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error a controller raises into an RFC 9457 problem response. Client mistakes get a 400
 * naming each offending field or parameter and what is wrong with it (the constraint's message, such as
 * "must be less than or equal to 200"; never the value sent, nor the parser's message, which can echo
 * input or class names); a body over the limit is a 413; a database or broker that is not answering is a
 * 503 with {@code Retry-After}; anything else unexpected is logged once with its stack trace, reported to
 * Sentry, and answered with a bare 500.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    private final long maxBodyBytes;

    /** Unexpected errors are reported by being logged at ERROR with their exception (Sentry's log appender). */
    public ProblemResponses(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (BodySizeLimitFilter.isTooLarge(ex)) {
            return problem(BodySizeLimitFilter.tooLarge(maxBodyBytes));
        }
        return problem(Problems.of(
                HttpStatus.BAD_REQUEST,
                "malformed-body",
                "Malformed request body",
                "The request body is not valid JSON of the expected shape."));
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Problems.FieldProblem> errors = new ArrayList<>();
        for (FieldError e : ex.getBindingResult().getFieldErrors()) {
            errors.add(new Problems.FieldProblem(e.getField(), message(e)));
        }
        ex.getBindingResult()
                .getGlobalErrors()
                .forEach(e -> errors.add(new Problems.FieldProblem(e.getObjectName(), message(e))));
        return problem(Problems.invalid(Problems.INVALID_FIELDS, errors));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Problems.FieldProblem> errors = new ArrayList<>();
        ex.getParameterValidationResults().forEach(result -> {
            String name = result.getMethodParameter().getParameterName();
            result.getResolvableErrors().forEach(e -> errors.add(new Problems.FieldProblem(name, message(e))));
        });
        return problem(Problems.invalid(Problems.INVALID_FIELDS, errors));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> badParameter(MethodArgumentTypeMismatchException ex) {
        String expected =
                ex.getRequiredType() == null ? "value" : ex.getRequiredType().getSimpleName();
        return problem(Problems.invalid(
                ex.getName(), "must be a valid " + ("UUID".equals(expected) ? "UUID" : expected.toLowerCase())));
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<Object> constraintViolated(ConstraintViolationException ex) {
        List<Problems.FieldProblem> errors = ex.getConstraintViolations().stream()
                .map(v -> new Problems.FieldProblem(lastNode(v.getPropertyPath().toString()), v.getMessage()))
                .toList();
        return problem(Problems.invalid(Problems.INVALID_FIELDS, errors));
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        // Spring's own 4xx/5xx (method not allowed, unsupported media type, ...): keep the status, drop details.
        HttpStatus status = HttpStatus.valueOf(statusCode.value());
        if (status.is5xxServerError()) {
            log.error("Request failed: {}", request.getDescription(false), ex);
        }
        HttpHeaders kept = new HttpHeaders();
        if (headers.getAllow() != null && !headers.getAllow().isEmpty()) {
            kept.setAllow(headers.getAllow());
        }
        return problem(Problems.of(status, "http-" + status.value(), status.getReasonPhrase(), null), kept);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
        if (isDatabaseUnavailable(ex)) {
            log.warn("Database unavailable for {}: {}", request.getDescription(false), rootMessage(ex));
            HttpHeaders headers = new HttpHeaders();
            headers.set(HttpHeaders.RETRY_AFTER, "5");
            return problem(
                    Problems.of(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            "unavailable",
                            "Service unavailable",
                            "A store this request needs is not answering. Please retry."),
                    headers);
        }
        log.error("Unexpected error handling {}", request.getDescription(false), ex);
        return problem(Problems.of(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something went wrong on our side. It has been logged."));
    }

    /**
     * A database that cannot be reached or stopped answering (whatever layer wrapped the driver's
     * exception): no connection in time, a connection failure (SQLState class 08), a server shutting down
     * (57P), or a driver timeout.
     */
    static boolean isDatabaseUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(error);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static String message(MessageSourceResolvable error) {
        return error.getDefaultMessage() == null ? "is invalid" : error.getDefaultMessage();
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static ResponseEntity<Object> problem(ProblemDetail problem) {
        return problem(problem, HttpHeaders.EMPTY);
    }

    private static ResponseEntity<Object> problem(ProblemDetail problem, HttpHeaders headers) {
        return ResponseEntity.status(problem.getStatus()).headers(headers).body(problem);
    }
}
