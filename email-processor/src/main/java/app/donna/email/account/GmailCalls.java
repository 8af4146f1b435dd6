package app.donna.email.account;

import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.RateLimiters;
import app.donna.platform.ratelimit.policy.RateLimitDecision;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import com.google.api.services.gmail.Gmail;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every Gmail API call for a user goes through here, so each mailbox is a good citizen of Google's limits
 * on its own:
 *
 * <ul>
 *   <li>a quota budget per mailbox (a token bucket of {@code donna.gmail.quota-per-second} units, each call
 *       costing what Google charges for it), counted in PostgreSQL so every instance spends one budget, as
 *       Google counts one;
 *   <li>a {@code 429}, or a {@code 403} for a rate limit, pauses that mailbox alone until its
 *       {@code Retry-After} (or an exponential backoff without one); calls for it meanwhile fail at once,
 *       without reaching Google, and other mailboxes go on;
 *   <li>the access token is minted from the sealed refresh token, kept until shortly before it expires,
 *       and minted again once if Gmail answers {@code 401}.
 * </ul>
 *
 * A failure is a {@link Failed} saying what kind it is, so callers tell "try later" from "connect again".
 */
@Component
public class GmailCalls {

    private static final Logger log = LoggerFactory.getLogger(GmailCalls.class);

    /** What Google charges per call, in quota units (developers.google.com/gmail/api/reference/quota). */
    public enum Cost {
        PROFILE(1),
        HISTORY(2),
        LIST(5),
        GET(5),
        THREAD(10),
        DRAFT(10),
        SEND(100);

        final int units;

        Cost(int units) {
            this.units = units;
        }
    }

    /** Why a call did not succeed. */
    public enum Kind {
        /** No mailbox is connected, or Google no longer honours its grant: the user must connect again. */
        NOT_CONNECTED,
        /** Gmail asked this mailbox to slow down, or its budget is spent: try again at {@code retryAt}. */
        THROTTLED,
        /** Google could not be reached, timed out, or failed (5xx): try again later. */
        UNAVAILABLE,
        /** Gmail has no such thing (404). */
        NOT_FOUND,
        /** Gmail refused the request as made (another 4xx): trying again will not help. */
        REJECTED
    }

    /** A call that did not succeed, its kind, and when trying again makes sense (null: not at all). */
    public static final class Failed extends Exception {
        private final Kind kind;
        private final Instant retryAt;

        Failed(Kind kind, String message, Instant retryAt) {
            super(message, null, false, false);
            this.kind = kind;
            this.retryAt = retryAt;
        }

        public Kind kind() {
            return kind;
        }

        public Instant retryAt() {
            return retryAt;
        }
    }

    /** One Gmail API request, given a client signed in as the user. */
    @FunctionalInterface
    public interface Request<T> {
        T execute(Gmail gmail) throws IOException;
    }

    /** A mailbox's standing with Google here: its access token, and whether it is paused. */
    private static final class Account {
        volatile GoogleAccounts.AccessToken token;
        volatile Instant pausedUntil = Instant.EPOCH;
        volatile int throttledInARow;
    }

    private static final Duration LONGEST_PAUSE = Duration.ofMinutes(15);
    private static final Duration WAIT_FOR_BUDGET = Duration.ofSeconds(2);

    private final GoogleAccounts google;
    private final GmailConnections connections;
    private final Clock clock;
    private final SealedSecrets secrets;
    private final RateLimiter quota;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();

    GmailCalls(
            GoogleAccounts google,
            GmailConnections connections,
            GmailSettings settings,
            GmailKeys keys,
            RateLimiters rateLimiters,
            Clock clock) {
        this.google = google;
        this.connections = connections;
        this.clock = clock;
        this.secrets = keys.secrets().orElse(null);
        this.quota = rateLimiters.limiter(
                new RateLimitPolicy("gmail-quota", settings.quotaPerSecond(), settings.quotaPerSecond() * 60));
    }

    /** Calls Gmail for {@code userId}, within that mailbox's budget and pause. */
    public <T> T call(String userId, Cost cost, Request<T> request) throws Failed {
        Account account = accounts.computeIfAbsent(userId, u -> new Account());
        Instant now = clock.instant();
        if (now.isBefore(account.pausedUntil)) {
            throw new Failed(
                    Kind.THROTTLED,
                    "Gmail asked to slow down for this mailbox until " + account.pausedUntil,
                    account.pausedUntil);
        }
        spend(userId, cost, now);
        for (int attempt = 1; ; attempt++) {
            String accessToken = accessToken(userId, account);
            try {
                T answer = request.execute(google.gmail(accessToken));
                account.throttledInARow = 0;
                return answer;
            } catch (HttpResponseException e) {
                int status = e.getStatusCode();
                if (status == 401 && attempt == 1) {
                    account.token = null; // expired or revoked early: mint one more and try once again
                    continue;
                }
                throw failure(userId, account, e);
            } catch (IOException e) {
                throw new Failed(
                        Kind.UNAVAILABLE,
                        "Gmail could not be reached: " + e.getClass().getSimpleName(),
                        clock.instant().plusSeconds(5));
            }
        }
    }

    /** Takes the call's units from the mailbox's budget, waiting briefly for them if need be. */
    private void spend(String userId, Cost cost, Instant now) throws Failed {
        RateLimitDecision budget = quota.tryAcquire(userId, cost.units);
        if (!budget.allowed() && budget.retryAfter().compareTo(WAIT_FOR_BUDGET) <= 0) {
            try {
                Thread.sleep(budget.retryAfter());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failed(Kind.UNAVAILABLE, "interrupted while waiting for the quota budget", now);
            }
            budget = quota.tryAcquire(userId, cost.units);
        }
        if (!budget.allowed()) {
            throw new Failed(
                    Kind.THROTTLED,
                    "this mailbox's Gmail quota budget is spent for now",
                    now.plus(budget.retryAfter()));
        }
    }

    private Failed failure(String userId, Account account, HttpResponseException e) {
        int status = e.getStatusCode();
        String reason = reason(e);
        Instant now = clock.instant();
        if (status == 429 || (status == 403 && reason.toLowerCase().contains("ratelimit"))) {
            int inARow = ++account.throttledInARow;
            Duration wait = retryAfter(e, now).orElseGet(() -> Duration.ofSeconds(1L << Math.min(inARow, 10)));
            if (wait.compareTo(LONGEST_PAUSE) > 0) {
                wait = LONGEST_PAUSE;
            }
            account.pausedUntil = now.plus(wait);
            log.warn("Gmail throttled the mailbox of {} ({}); pausing it for {}s", userId, status, wait.toSeconds());
            return new Failed(Kind.THROTTLED, "Gmail asked to slow down (" + status + ")", account.pausedUntil);
        }
        if (status == 401) {
            account.token = null;
            return new Failed(Kind.NOT_CONNECTED, "Gmail no longer accepts this mailbox's grant (401)", null);
        }
        if (status == 404) {
            return new Failed(Kind.NOT_FOUND, "Gmail has no such item", null);
        }
        if (status >= 500) {
            return new Failed(Kind.UNAVAILABLE, "Gmail failed (" + status + ")", now.plusSeconds(5));
        }
        return new Failed(Kind.REJECTED, "Gmail refused the request (" + status + ": " + reason + ")", null);
    }

    /** Gmail's own words for an error, without echoing anything the request carried. */
    private static String reason(HttpResponseException e) {
        if (e instanceof GoogleJsonResponseException json && json.getDetails() != null) {
            String message = json.getDetails().getMessage();
            if (json.getDetails().getErrors() != null
                    && !json.getDetails().getErrors().isEmpty()) {
                String r = json.getDetails().getErrors().getFirst().getReason();
                return r == null ? String.valueOf(message) : r + ": " + message;
            }
            return String.valueOf(message);
        }
        return e.getStatusMessage() == null ? "" : e.getStatusMessage();
    }

    /** {@code Retry-After}, in seconds or as an HTTP date. */
    static java.util.Optional<Duration> retryAfter(HttpResponseException e, Instant now) {
        String value = e.getHeaders() == null ? null : e.getHeaders().getFirstHeaderStringValue("Retry-After");
        if (value == null || value.isBlank()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return java.util.Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
            } catch (DateTimeParseException notDate) {
                return java.util.Optional.empty();
            }
        }
    }

    /** The mailbox's access token, minted again from its sealed refresh token when near its end. */
    private String accessToken(String userId, Account account) throws Failed {
        GoogleAccounts.AccessToken token = account.token;
        Instant now = clock.instant();
        if (token != null && token.expiresAt().isAfter(now.plusSeconds(60))) {
            return token.value();
        }
        if (secrets == null) {
            throw new Failed(Kind.NOT_CONNECTED, "no DONNA_SECRET_KEYS here to open the mailbox's grant", null);
        }
        var stored = connections
                .of(userId)
                .orElseThrow(() -> new Failed(Kind.NOT_CONNECTED, "no Gmail mailbox is connected", null));
        String refreshToken;
        try {
            refreshToken = secrets.open(stored.refreshTokenSealed(), SealedContexts.gmailRefreshToken(userId));
        } catch (SealedSecrets.NotOpened e) {
            throw new Failed(Kind.NOT_CONNECTED, "the stored grant could not be read (" + e.getMessage() + ")", null);
        }
        try {
            GoogleAccounts.AccessToken fresh = google.accessToken(refreshToken, now);
            account.token = fresh;
            return fresh.value();
        } catch (GoogleAccounts.Refused e) {
            throw new Failed(Kind.NOT_CONNECTED, e.getMessage(), null);
        } catch (GoogleAccounts.Unavailable e) {
            throw new Failed(Kind.UNAVAILABLE, e.getMessage(), now.plusSeconds(5));
        }
    }

    /** Forgets what is known of {@code userId}'s mailbox (it was disconnected). */
    public void forget(String userId) {
        accounts.remove(userId);
    }
}
