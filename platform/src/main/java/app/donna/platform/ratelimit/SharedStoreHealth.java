package app.donna.platform.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the shared buckets answer. Says so in the log once when they stop (limits fall back to each
 * instance's own) and once when they answer again, not on every request in between.
 */
final class SharedStoreHealth {

    private static final Logger log = LoggerFactory.getLogger(SharedStoreHealth.class);

    private final AtomicBoolean down = new AtomicBoolean();

    void failed(RuntimeException cause) {
        if (down.compareAndSet(false, true)) {
            log.warn(
                    "Shared rate-limit buckets unreachable; limits hold per instance until they answer again: {}",
                    cause.toString());
        }
    }

    void succeeded() {
        if (down.compareAndSet(true, false)) {
            log.info("Shared rate-limit buckets answer again; limits hold across instances");
        }
    }

    boolean down() {
        return down.get();
    }
}
