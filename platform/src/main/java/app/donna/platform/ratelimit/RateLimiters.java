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
 * limits then hold per instance, as {@link #local} ones do) and goes back to the shared ones as soon as they
 * answer. How long a request waits to find that out is bounded by the connection pool's connection timeout
 * and, once connected, by {@link #QUERY_TIMEOUT} and the driver's socket timeout.
 */
public sealed interface RateLimiters extends AutoCloseable {

    /** The table of the shared buckets: id (service, policy, key), Bucket4j's state, when it may go. */
    String TABLE = "rate_limit_buckets";

    /** How long one statement on the shared buckets may take; a bucket's row is locked for milliseconds. */
    Duration QUERY_TIMEOUT = Duration.ofSeconds(1);

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
        private final SharedStoreHealth health = new SharedStoreHealth();
        private final ExpiredBucketsSweeper sweeper;

        Shared(DataSource dataSource, String service, Clock clock) {
            this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                    .primaryKeyMapper(PrimaryKeyMapper.STRING)
                    .table(TABLE)
                    .clientClock(wallClock(clock))
                    .requestTimeout(QUERY_TIMEOUT)
                    // a row may go a minute after its bucket is full again: by then it is as good as new
                    .expirationAfterWrite(
                            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                    .build();
            this.service = service;
            this.fallback = new Local(clock);
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
