package app.donna.platform.security;

import app.donna.platform.ratelimit.RateLimitFilter;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * System-to-system calls: a request carrying {@value #HEADER} with the configured secret is the
 * {@code internal} principal with role {@code INTERNAL}; a wrong secret is a 401. The comparison is
 * constant-time over SHA-256 digests, so neither content nor length leaks through timing, and wrong
 * guesses are limited per client address ({@value #WRONG_SECRETS_BURST} at once, then
 * {@value #WRONG_SECRETS_PER_MINUTE} a minute; past that, 429 without even comparing).
 */
public class InternalSecretFilter extends OncePerRequestFilter {

    public static final String HEADER = "X-Internal-Secret";
    public static final String ROLE = "INTERNAL";

    public static final int WRONG_SECRETS_BURST = 10;
    public static final int WRONG_SECRETS_PER_MINUTE = 10;
    public static final RateLimitPolicy WRONG_SECRETS =
            new RateLimitPolicy("internal-secret-guesses", WRONG_SECRETS_BURST, WRONG_SECRETS_PER_MINUTE);

    private final byte[] expectedDigest;
    private final RateLimiter wrongGuesses;

    /** @param wrongGuesses the wrong secrets each client address may still present ({@link #WRONG_SECRETS}) */
    public InternalSecretFilter(String secret, RateLimiter wrongGuesses) {
        this.expectedDigest = secret.isBlank() ? null : sha256(secret);
        this.wrongGuesses = wrongGuesses;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(HEADER);
        if (presented == null) {
            chain.doFilter(request, response);
            return;
        }
        String client = request.getRemoteAddr();
        RateLimitDecision guesses = wrongGuesses.peek(client);
        if (!guesses.allowed()) {
            RateLimitFilter.tooManyRequests(response, guesses.retryAfter());
            return;
        }
        if (expectedDigest == null || !MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            wrongGuesses.tryAcquire(client);
            Problems.write(response, Problems.unauthorized(Problems.BAD_CREDENTIALS));
            return;
        }
        var auth = UsernamePasswordAuthenticationToken.authenticated(
                "internal", null, List.of(new SimpleGrantedAuthority("ROLE_" + ROLE)));
        SecurityContextHolder.getContext().setAuthentication(auth);
        chain.doFilter(request, response);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
