package app.donna.platform.ratelimit;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Request rate limits ({@code donna.rate-limit.*}): per client IP before authentication, per user after.
 * A burst is how many calls are allowed at once; per-minute is how many are regained each minute. With
 * {@code shared} (the default), a service with a database counts in it, so the limits hold across its
 * instances; without a database, or with {@code shared} off, each instance counts on its own.
 */
@Validated
@ConfigurationProperties("donna.rate-limit")
public record RateLimitSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("true") boolean shared,
        @Min(1) @DefaultValue("120") int perIpBurst,
        @Min(1) @DefaultValue("600") int perIpPerMinute,
        @Min(1) @DefaultValue("30") int perUserBurst,
        @Min(1) @DefaultValue("120") int perUserPerMinute) {}
