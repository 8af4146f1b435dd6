package app.donna.platform.security;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * A decoder for an identity provider that may be unreachable when this service starts, or later. Its
 * metadata and keys are discovered in the background, retried with a growing pause until they are had;
 * meanwhile, and whenever fetching keys fails later, a token cannot be checked and {@link #decode} throws
 * {@link IdentityProviderUnavailableException} at once (the caller gets 503 and {@code Retry-After}),
 * instead of holding the request or failing it as if the token were bad.
 */
final class DiscoveringJwtDecoder implements JwtDecoder {

    private static final Logger log = LoggerFactory.getLogger(DiscoveringJwtDecoder.class);

    private final String issuer;
    private final Callable<JwtDecoder> discover;
    private final Duration firstPause;
    private final Duration longestPause;
    private final AtomicReference<JwtDecoder> ready = new AtomicReference<>();
    private final AtomicBoolean discovering = new AtomicBoolean();

    /**
     * @param issuer   named in logs and errors
     * @param discover fetches the provider's metadata and keys and builds the decoder; throws if it cannot
     */
    DiscoveringJwtDecoder(String issuer, Callable<JwtDecoder> discover, Duration firstPause, Duration longestPause) {
        this.issuer = issuer;
        this.discover = discover;
        this.firstPause = firstPause;
        this.longestPause = longestPause;
        startDiscovery();
    }

    @Override
    public Jwt decode(String token) {
        JwtDecoder decoder = ready.get();
        if (decoder == null) {
            startDiscovery();
            throw new IdentityProviderUnavailableException("the keys of " + issuer + " are not known yet", null);
        }
        try {
            return decoder.decode(token);
        } catch (BadJwtException e) {
            throw e;
        } catch (JwtException e) {
            // Not a verdict on the token: fetching the provider's keys failed (down, slow, or garbled).
            throw new IdentityProviderUnavailableException("cannot fetch the keys of " + issuer, e);
        }
    }

    boolean ready() {
        return ready.get() != null;
    }

    private void startDiscovery() {
        if (ready.get() != null || !discovering.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("jwt-issuer-discovery").start(() -> {
            Duration pause = firstPause;
            try {
                for (int attempt = 1; ; attempt++) {
                    try {
                        ready.set(discover.call());
                        log.info(
                                "Keys of token issuer {} found{}",
                                issuer,
                                attempt == 1 ? "" : " after " + attempt + " attempts");
                        return;
                    } catch (Exception e) {
                        log.warn(
                                "Token issuer {} unreachable (attempt {}): {}; signed-in requests get 503 until it "
                                        + "answers; retrying in {} s",
                                issuer,
                                attempt,
                                e.getMessage(),
                                pause.toSeconds());
                    }
                    Thread.sleep(pause);
                    pause = pause.multipliedBy(2).compareTo(longestPause) > 0 ? longestPause : pause.multipliedBy(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                discovering.set(false);
            }
        });
    }
}
