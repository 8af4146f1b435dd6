package app.donna.platform.ratelimit;

import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers {@code 429 Too Many Requests} with {@code Retry-After} (whole seconds) once a caller's bucket
 * is empty. The key function says who the caller is; a null key (e.g. not signed in) is not limited here.
 * Every limited response also says where the caller stands, in the IETF draft's {@code RateLimit-Policy}
 * ({@code q}: calls at once, {@code w}: seconds to regain them all) and {@code RateLimit} ({@code r}: calls
 * left, {@code t}: seconds until all are back) headers, one list item per policy (e.g. {@code "ip"} and
 * {@code "user"}), so a well-behaved client can slow down before it is refused. The counting is the
 * {@link RateLimiter}'s: across instances where the service has a database, per instance where not.
 */
public class RateLimitFilter extends OncePerRequestFilter {

    private final RateLimiter limiter;
    private final Function<HttpServletRequest, String> key;

    public RateLimitFilter(RateLimiter limiter, Function<HttpServletRequest, String> key) {
        this.limiter = limiter;
        this.key = key;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String caller = key.apply(request);
        if (caller != null) {
            RateLimitPolicy policy = limiter.policy();
            RateLimitDecision decision = limiter.tryAcquire(caller);
            response.addHeader("RateLimit-Policy", policy.policyHeader());
            response.addHeader("RateLimit", policy.standingHeader(decision));
            if (!decision.allowed()) {
                tooManyRequests(response, decision.retryAfter());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** {@code 429} with {@code Retry-After} in whole seconds, at least one. */
    public static void tooManyRequests(HttpServletResponse response, Duration retryAfter) throws IOException {
        long seconds = RateLimitPolicy.wholeSeconds(retryAfter);
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
        Problems.write(response, tooManyRequests(seconds, "Slow down and retry after " + seconds + " s."));
    }

    /**
     * A controller's {@code 429} for a refused {@code decision}: {@code Retry-After} in whole seconds and a
     * problem saying "{@code tooMany}; retry after N s."
     */
    public static ResponseEntity<ProblemDetail> refused(RateLimitDecision decision, String tooMany) {
        long seconds = RateLimitPolicy.wholeSeconds(decision.retryAfter());
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(seconds))
                .body(tooManyRequests(seconds, tooMany + "; retry after " + seconds + " s."));
    }

    /** The problem of a {@code 429}. */
    public static ProblemDetail tooManyRequests(long retryAfterSeconds, String detail) {
        return Problems.of(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail);
    }
}
