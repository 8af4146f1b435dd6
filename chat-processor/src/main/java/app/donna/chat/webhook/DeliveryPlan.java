package app.donna.chat.webhook;

import java.time.Duration;

/**
 * What an answer from a webhook means for a delivery, and how long to wait before the next attempt.
 * A 2xx delivers it. A timeout, a failed connection, 408, 425, 429 or a 5xx may pass: it is tried again,
 * waiting longer each time. Anything else (a 3xx, since redirects are not followed, or another 4xx) will
 * not change by trying again.
 */
public final class DeliveryPlan {

    public enum Verdict {
        DELIVERED,
        RETRY,
        GIVE_UP
    }

    private final int attempts;
    private final Duration firstWait;
    private final double multiplier;

    public DeliveryPlan(int attempts, Duration firstWait, double multiplier) {
        this.attempts = attempts;
        this.firstWait = firstWait;
        this.multiplier = multiplier;
    }

    public int attempts() {
        return attempts;
    }

    public static Verdict verdict(int status) {
        if (status >= 200 && status < 300) {
            return Verdict.DELIVERED;
        }
        return status == 408 || status == 425 || status == 429 || status >= 500 ? Verdict.RETRY : Verdict.GIVE_UP;
    }

    /** How long to wait after failed attempt {@code attempt} (1-based) before the next. */
    public Duration waitAfter(int attempt) {
        return Duration.ofMillis(Math.round(firstWait.toMillis() * Math.pow(multiplier, attempt - 1)));
    }

    /** Whether another attempt follows failed attempt {@code attempt}. */
    public boolean anotherAfter(int attempt) {
        return attempt < attempts;
    }
}
