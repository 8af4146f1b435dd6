package app.donna.platform.ratelimit;

import java.io.IOException;
import java.time.Duration;
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
            tooManyRequests(response, rejected.retryAfter());
            return;
        }
        chain.doFilter(request, response);
    }

    /** {@code 429} with {@code Retry-After} in whole seconds, at least one. */
    public static void tooManyRequests(HttpServletResponse response, Duration retryAfter) throws IOException {
        long seconds = retryAfterSeconds(retryAfter);
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
        Problems.write(response, tooManyRequests(seconds, "Slow down and retry after " + seconds + " s."));
    }

    /** The problem of a {@code 429}. */
    public static ProblemDetail tooManyRequests(long retryAfterSeconds, String detail) {
        return Problems.of(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail);
    }

    public static long retryAfterSeconds(Duration retryAfter) {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
