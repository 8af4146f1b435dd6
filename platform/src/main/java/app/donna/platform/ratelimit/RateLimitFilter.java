package app.donna.platform.ratelimit;

import java.io.IOException;
import java.util.function.Function;

import app.donna.platform.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers {@code 429 Too Many Requests} with {@code Retry-After} (whole seconds) once a caller's bucket
 * is empty. The key function says who the caller is; a null key (e.g. not signed in) is not limited here.
 */
public class RateLimitFilter extends OncePerRequestFilter {

    private final TokenBuckets buckets;
    private final Function<HttpServletRequest, String> key;

    public RateLimitFilter(TokenBuckets buckets, Function<HttpServletRequest, String> key) {
        this.buckets = buckets;
        this.key = key;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String caller = key.apply(request);
        if (caller != null && buckets.tryAcquire(caller) instanceof TokenBuckets.Decision.Rejected rejected) {
            long seconds = Math.max(1, (rejected.retryAfter().toMillis() + 999) / 1000);
            response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
            ProblemDetail problem = Problems.of(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many requests",
                    "Slow down and retry after " + seconds + " s.");
            Problems.write(response, problem);
            return;
        }
        chain.doFilter(request, response);
    }
}
