package app.donna.platform.ratelimit;

import io.github.bucket4j.distributed.proxy.ExpiredEntriesCleaner;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the shared buckets that expired (full again for a while) once a minute, in batches. Instances
 * sweep side by side without waiting on each other: Bucket4j skips rows another one has locked.
 */
final class ExpiredBucketsSweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExpiredBucketsSweeper.class);
    private static final int BATCH = 1_000;

    private final ExpiredEntriesCleaner buckets;
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("rate-limit-sweeper").daemon().factory());

    ExpiredBucketsSweeper(ExpiredEntriesCleaner buckets) {
        this.buckets = buckets;
        schedule.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
    }

    void sweep() {
        try {
            while (buckets.removeExpired(BATCH) == BATCH) {
                // a full batch: more may be waiting
            }
        } catch (RuntimeException e) {
            // the next sweep tries again; requests say when the database is down
            log.debug("Could not remove expired rate-limit buckets", e);
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
