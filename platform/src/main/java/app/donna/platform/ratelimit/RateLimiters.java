package app.donna.platform.ratelimit;

import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Where a service's token buckets live. {@link #shared} keeps them in PostgreSQL (table
 * {@value #TABLE}, created by the projections' migrations), so every instance of a service counts a
 * caller's calls in one bucket and N instances do not give N times the limit; {@link #local} keeps them in
 * this instance's memory, for services without a database.
 *
 * <p>When PostgreSQL does not answer, a shared limiter counts in this instance's own buckets instead (the
 * limits then hold per instance, as {@link #local} ones do) and asks the shared ones again once every
 * {@link #RETRY_SHARED_EVERY}, going back to them as soon as they answer. The one request that finds the
 * database gone waits at most the connection pool's connection timeout or, once connected, the driver's
 * socket timeout; the requests after it do not wait for the database at all. (No statement timeout:
 * PostgreSQL's driver cancels a statement over a new connection and waits for that, which against a
 * server that does not answer is longer than the socket timeout.)
 */
public sealed interface RateLimiters extends AutoCloseable {

    /** The table of the shared buckets: id (service, policy, key), Bucket4j's state, when it may go. */
    String TABLE = "rate_limit_buckets";

    /** While the shared buckets do not answer, how often one call asks them again. */
    Duration RETRY_SHARED_EVERY = Duration.ofSeconds(5);

    /** Callers whose bucket is full again are forgotten; bounds memory whatever the number of callers. */
    int LOCAL_KEYS = 100_000;

    /** The limiter of {@code policy}; ask once per policy, each call makes a new set of buckets. */
    RateLimiter limiter(RateLimitPolicy policy);

    @Override
    default void close() {}

    static RateLimiters local(Clock clock) {
        return new Local(clock);
    }

    /**
     * @param service the service's name: services on one database keep separate buckets for a caller
     */
    static RateLimiters shared(DataSource dataSource, String service, Clock clock) {
        return new Shared(dataSource, service, clock);
    }

    /** Buckets in this instance's memory, each dropped once it has been left alone long enough to be full. */
    final class Local implements RateLimiters {
        private final Clock clock;

        Local(Clock clock) {
            this.clock = clock;
        }

        @Override
        public RateLimiter limiter(RateLimitPolicy policy) {
            Bandwidth limit = bandwidth(policy);
            Cache<String, Bucket> buckets = Caffeine.newBuilder()
                    .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                    .expireAfterAccess(policy.timeToFill())
                    .maximumSize(LOCAL_KEYS)
                    .build();
            TimeMeter time = wallClock(clock);
            return new RateLimiter(
                    policy,
                    key -> buckets.get(
                            key,
                            k -> Bucket.builder()
                                    .withCustomTimePrecision(time)
                                    .addLimit(limit)
                                    .build()),
                    null);
        }
    }

    /** Buckets in PostgreSQL, locked row by row ({@code SELECT ... FOR UPDATE}) while a call is counted. */
    final class Shared implements RateLimiters {
        private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;
        private final String service;
        private final Local fallback;
        private final SharedStoreHealth health;
        private final ExpiredBucketsSweeper sweeper;

        Shared(DataSource dataSource, String service, Clock clock) {
            this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                    .primaryKeyMapper(PrimaryKeyMapper.STRING)
                    .table(TABLE)
                    .clientClock(wallClock(clock))
                    // a row may go a minute after its bucket is full again: by then it is as good as new
                    .expirationAfterWrite(
                            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                    .build();
            this.service = service;
            this.fallback = new Local(clock);
            this.health = new SharedStoreHealth(clock, RETRY_SHARED_EVERY);
            this.sweeper = new ExpiredBucketsSweeper(buckets);
        }

        @Override
        public RateLimiter limiter(RateLimitPolicy policy) {
            BucketConfiguration configuration =
                    BucketConfiguration.builder().addLimit(bandwidth(policy)).build();
            String prefix = service + "/" + policy.name() + "/";
            return new RateLimiter(
                    policy,
                    key -> buckets.builder().build(prefix + key, () -> configuration),
                    new RateLimiter.Fallback(fallback.limiter(policy), health));
        }

        /** Whether the last call found PostgreSQL unreachable (limits then hold per instance). */
        public boolean degraded() {
            return health.down();
        }

        @Override
        public void close() {
            sweeper.close();
        }
    }

    /** {@code burst} tokens at most, {@code perMinute} regained each minute a little at a time. */
    private static Bandwidth bandwidth(RateLimitPolicy policy) {
        return Bandwidth.builder()
                .capacity(policy.burst())
                .refillGreedy(policy.perMinute(), Duration.ofMinutes(1))
                .build();
    }

    /** Bucket4j's time from {@code clock}, so tests can move it; wall-clock time, as shared buckets need. */
    private static TimeMeter wallClock(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }
}
