package app.donna.email.sync;

import app.donna.email.account.GmailCalls;
import app.donna.email.account.GmailSettings;
import app.donna.email.work.DueWork;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps every connected mailbox in sync: due mailboxes are claimed and synced as {@link DueWork}, so a
 * slow or throttled mailbox holds up no other. After a sync the mailbox is due again in {@code interval}, give or take the jitter;
 * after a failure, when Gmail said ({@code Retry-After}) or after a backoff that doubles with each failure
 * in a row, up to {@code maxBackoff}. A mailbox whose grant Google no longer honours waits the longest and
 * says so in its row ({@code last_sync_error}).
 */
@Component
class MailboxSyncScheduler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MailboxSyncScheduler.class);

    private final SyncStates states;
    private final MailboxSync sync;
    private final GmailSettings.Sync settings;
    private final Clock clock;
    private final MeterRegistry meters;
    private final DueWork<SyncStates.Due> due;

    MailboxSyncScheduler(
            SyncStates states, MailboxSync sync, GmailSettings settings, Clock clock, MeterRegistry meters) {
        this.states = states;
        this.sync = sync;
        this.settings = settings.sync();
        this.clock = clock;
        this.meters = meters;
        this.due = new DueWork<>(
                "gmail-sync",
                this.settings.tick(),
                this.settings.concurrency(),
                room -> states.claimDue(clock.instant(), this.settings.lease(), room),
                this::run);
    }

    @Override
    public void start() {
        if (settings.enabled() && !due.running()) {
            due.start();
            log.info(
                    "Gmail sync started: each mailbox every {}s, {} at once",
                    settings.interval().toSeconds(),
                    settings.concurrency());
        }
    }

    @Override
    public void stop() {
        due.close();
    }

    @Override
    public boolean isRunning() {
        return due.running();
    }

    /** Looks for due mailboxes now rather than at the next tick (someone asked for a sync). */
    void soon() {
        due.soon();
    }

    private void run(SyncStates.Due due) {
        try {
            MailboxSync.Outcome outcome = sync.sync(due.userId(), due.historyId());
            Instant now = clock.instant();
            states.synced(due, outcome.historyId(), now, now.plus(jittered(settings.interval())));
            meters.counter("donna.gmail.sync", "outcome", "synced").increment();
            meters.counter("donna.gmail.messages.received").increment(outcome.published());
            if (outcome.published() > 0 || outcome.full()) {
                log.info(
                        "Synced the mailbox of {}: {} new message(s){}",
                        due.userId(),
                        outcome.published(),
                        outcome.full() ? " (full sync of the recent window)" : "");
            }
        } catch (GmailCalls.Failed e) {
            Instant now = clock.instant();
            Instant next = switch (e.kind()) {
                case THROTTLED -> e.retryAt() != null ? e.retryAt() : now.plus(backoff(due.failures()));
                case NOT_CONNECTED -> now.plus(settings.maxBackoff());
                default -> now.plus(backoff(due.failures()));
            };
            String error = e.kind() == GmailCalls.Kind.NOT_CONNECTED
                    ? e.getMessage() + ": connect Gmail again"
                    : e.getMessage();
            meters.counter("donna.gmail.sync", "outcome", e.kind().name().toLowerCase())
                    .increment();
            log.warn("Sync of the mailbox of {} failed ({}); next try at {}", due.userId(), error, next);
            record(due, error, next);
        } catch (RuntimeException e) {
            // the broker or the database failed us mid-sync: history did not move, so nothing is lost
            Instant next = clock.instant().plus(backoff(due.failures()));
            meters.counter("donna.gmail.sync", "outcome", "error").increment();
            log.warn("Sync of the mailbox of {} failed ({}); next try at {}", due.userId(), e.getMessage(), next);
            record(due, e.getClass().getSimpleName() + ": " + e.getMessage(), next);
        }
    }

    private void record(SyncStates.Due due, String error, Instant next) {
        try {
            states.failed(due, error, next);
        } catch (RuntimeException e) {
            log.warn("Could not record the failed sync of {}: its lease ends at the latest", due.userId());
        }
    }

    /** {@code interval}, doubled for each failure in a row, up to {@code maxBackoff}, with jitter. */
    Duration backoff(int failures) {
        Duration wait = settings.interval().multipliedBy(1L << Math.min(failures, 16));
        if (wait.compareTo(settings.maxBackoff()) > 0) {
            wait = settings.maxBackoff();
        }
        return jittered(wait);
    }

    private Duration jittered(Duration base) {
        long jitter = settings.jitter().toMillis();
        long offset = jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
        return Duration.ofMillis(Math.max(settings.tick().toMillis(), base.toMillis() + offset));
    }
}
