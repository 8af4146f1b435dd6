package app.donna.platform.ratelimit;

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
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers {@code 429 Too Many Requests} with {@code Retry-After} (whole seconds) once a caller's bucket
 * is empty. The key function says who the caller is; a null key (e.g. not signed in) is not limited here.
 * Every limited response also says where the caller stands, in the IETF draft's {@code RateLimit-Policy}
 * ({@code q}: calls at once, {@code w}: seconds to regain them all) and {@code RateLimit} ({@code r}: calls
 * left, {@code t}: seconds until all are back) headers, one list item per policy (e.g. {@code "ip"} and
 * {@code "user"}), so a well-behaved client can slow down before it is refused.
 */
public class RateLimitFilter extends OncePerRequestFilter {

    private final String policy;
    private final TokenBuckets buckets;
    private final Function<HttpServletRequest, String> key;

    /** @param policy the policy's name in the {@code RateLimit} headers */
    public RateLimitFilter(String policy, TokenBuckets buckets, Function<HttpServletRequest, String> key) {
        this.policy = policy;
        this.buckets = buckets;
        this.key = key;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String caller = key.apply(request);
        if (caller != null) {
            TokenBuckets.Decision decision = buckets.tryAcquire(caller);
            int remaining = decision instanceof TokenBuckets.Decision.Allowed allowed ? allowed.remaining() : 0;
            long allBack = remaining >= buckets.burst() ? 0 : retryAfterSeconds(buckets.refillTime(remaining));
            response.addHeader(
                    "RateLimit-Policy",
                    "\"%s\";q=%d;w=%d".formatted(policy, buckets.burst(), retryAfterSeconds(buckets.refillTime(0))));
            response.addHeader("RateLimit", "\"%s\";r=%d;t=%d".formatted(policy, remaining, allBack));
            if (decision instanceof TokenBuckets.Decision.Rejected rejected) {
                tooManyRequests(response, rejected.retryAfter());
                return;
            }
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
