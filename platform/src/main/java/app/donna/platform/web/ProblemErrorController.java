package app.donna.platform.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page: what went wrong outside any controller (a refusal by the request
 * firewall, a method the container turns away, a filter that failed, a request for {@code /error}
 * itself) is answered with the same RFC 9457 document as everything else, with the status kept and
 * nothing else from the request or the exception.
 */
@RestController
public class ProblemErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    /** Errors are reported by being logged at ERROR with their exception (Sentry's log appender sends them). */
    public ProblemErrorController() {}

    @RequestMapping(path = "${server.error.path:/error}", produces = MediaType.ALL_VALUE)
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer c && HttpStatus.resolve(c) != null
                ? HttpStatus.valueOf(c)
                : HttpStatus.NOT_FOUND; // /error asked for directly: there is nothing there
        Object error = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (status.is5xxServerError() && error instanceof Throwable t) {
            log.error(
                    "Request to {} failed outside the controllers",
                    request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI),
                    t);
        }
        ProblemDetail problem = status == HttpStatus.INTERNAL_SERVER_ERROR
                ? Problems.of(
                        status, "internal", "Internal error", "Something went wrong on our side. It has been logged.")
                : Problems.of(status, "http-" + status.value(), status.getReasonPhrase(), null);
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
