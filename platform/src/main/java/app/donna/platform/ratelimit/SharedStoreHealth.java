package app.donna.platform.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the shared buckets answer, so that a database outage costs one request's wait, not every
 * request's: once a call has failed, calls count in this instance's own buckets without asking the
 * database, and one call every {@code retryEvery} asks it again. Says so in the log once when the shared
 * buckets stop answering and once when they answer again.
 */
final class SharedStoreHealth {

    private static final Logger log = LoggerFactory.getLogger(SharedStoreHealth.class);
    private static final long UP = Long.MIN_VALUE;

    private final Clock clock;
    private final long retryEveryMillis;
    /** {@link #UP}, or when the next call may ask the database again (epoch milliseconds). */
    private final AtomicLong nextTry = new AtomicLong(UP);

    SharedStoreHealth(Clock clock, Duration retryEvery) {
        this.clock = clock;
        this.retryEveryMillis = retryEvery.toMillis();
    }

    /** Whether this call should ask the shared buckets: always while they answer, else one call per period. */
    boolean shouldTry() {
        long next = nextTry.get();
        if (next == UP) {
            return true;
        }
        long now = clock.millis();
        return now >= next && nextTry.compareAndSet(next, now + retryEveryMillis);
    }

    void failed(RuntimeException cause) {
        long previous = nextTry.getAndSet(clock.millis() + retryEveryMillis);
        if (previous == UP) {
            log.warn(
                    "Shared rate-limit buckets unreachable; limits hold per instance until they answer again: {}",
                    cause.toString());
        }
    }

    void succeeded() {
        if (nextTry.getAndSet(UP) != UP) {
            log.info("Shared rate-limit buckets answer again; limits hold across instances");
        }
    }

    boolean down() {
        return nextTry.get() != UP;
    }
}
