package app.donna.email.autopilot;

import static app.donna.projections.db.Tables.AUTOPILOT_CAPS;
import static app.donna.projections.db.Tables.AUTOPILOT_FLAGGED_SENDERS;
import static app.donna.projections.db.Tables.AUTOPILOT_LEDGER;
import static app.donna.projections.db.Tables.AUTOPILOT_SETTINGS_IN_FORCE;
import static app.donna.projections.db.Tables.AUTOPILOT_THREADS_ANSWERED;

import app.donna.email.autopilot.rules.AutopilotRules.Decision;
import app.donna.email.autopilot.rules.AutopilotRules.Outcome;
import app.donna.events.settings.AutopilotSettings;
import app.donna.schemas.EventCodec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Autopilot's state in PostgreSQL: the settings in force, each mail's decision (once), the caps'
 * counters, the threads a person answered and the senders the abuse detector flagged. A reply's cap slots are taken in the same transaction as its
 * decision is kept, each counter moving only while under its cap, so the caps hold however many mails
 * arrive at once and whichever instance decides them; a mail decided already (read again) keeps its
 * first decision and takes no second slot.
 */
@Component
class AutopilotStore {

    /** A decision as kept: its outcome and reason, the draft job of a reply, and whether that reply is sent at once. */
    record Kept(Outcome outcome, String reason, UUID jobId, boolean sendAtOnce) {}

    /** One cap: its counter, its limit, and how a refusal names it. */
    record Cap(String scope, int limit, String name) {}

    private static final EventCodec CODEC = EventCodec.bundled();

    private final DSLContext db;

    AutopilotStore(DSLContext db) {
        this.db = db;
    }

    /**
     * Runs {@code work} with a store whose reads and writes are one transaction, committed at the end: a
     * batch of mail decided with one commit, each decision in a savepoint of its own.
     */
    <T> T inOneTransaction(java.util.function.Function<AutopilotStore, T> work) {
        return db.transactionResult(configuration -> work.apply(new AutopilotStore(configuration.dsl())));
    }

    Optional<AutopilotSettings> settings(String userId) {
        return db.select(AUTOPILOT_SETTINGS_IN_FORCE.SETTINGS)
                .from(AUTOPILOT_SETTINGS_IN_FORCE)
                .where(AUTOPILOT_SETTINGS_IN_FORCE.USER_ID.eq(userId))
                .fetchOptional(r -> (AutopilotSettings) CODEC.decode(r.value1()));
    }

    /** Keeps {@code settings} unless newer ones are kept already. */
    void settingsChanged(AutopilotSettings settings) {
        byte[] bytes = CODEC.encode(settings);
        db.insertInto(AUTOPILOT_SETTINGS_IN_FORCE)
                .set(AUTOPILOT_SETTINGS_IN_FORCE.USER_ID, settings.getUserId())
                .set(AUTOPILOT_SETTINGS_IN_FORCE.SETTINGS, bytes)
                .set(AUTOPILOT_SETTINGS_IN_FORCE.OCCURRED_AT, settings.getOccurredAt())
                .onConflict(AUTOPILOT_SETTINGS_IN_FORCE.USER_ID)
                .doUpdate()
                .set(AUTOPILOT_SETTINGS_IN_FORCE.SETTINGS, bytes)
                .set(AUTOPILOT_SETTINGS_IN_FORCE.OCCURRED_AT, settings.getOccurredAt())
                .where(AUTOPILOT_SETTINGS_IN_FORCE.OCCURRED_AT.le(settings.getOccurredAt()))
                .execute();
    }

    void answeredByPerson(String userId, String threadId) {
        db.insertInto(AUTOPILOT_THREADS_ANSWERED)
                .set(AUTOPILOT_THREADS_ANSWERED.USER_ID, userId)
                .set(AUTOPILOT_THREADS_ANSWERED.THREAD_ID, threadId)
                .onConflictDoNothing()
                .execute();
    }

    boolean isAnsweredByPerson(String userId, String threadId) {
        return db.fetchExists(
                AUTOPILOT_THREADS_ANSWERED,
                AUTOPILOT_THREADS_ANSWERED.USER_ID.eq(userId).and(AUTOPILOT_THREADS_ANSWERED.THREAD_ID.eq(threadId)));
    }

    void senderFlagged(String userId, String sender, Instant at) {
        db.insertInto(AUTOPILOT_FLAGGED_SENDERS)
                .set(AUTOPILOT_FLAGGED_SENDERS.USER_ID, userId)
                .set(AUTOPILOT_FLAGGED_SENDERS.SENDER, sender)
                .set(AUTOPILOT_FLAGGED_SENDERS.FLAGGED_AT, at)
                .onConflictDoNothing()
                .execute();
    }

    boolean isFlagged(String userId, String sender) {
        return db.fetchExists(
                AUTOPILOT_FLAGGED_SENDERS,
                AUTOPILOT_FLAGGED_SENDERS.USER_ID.eq(userId).and(AUTOPILOT_FLAGGED_SENDERS.SENDER.eq(sender)));
    }

    Optional<Kept> decided(String userId, String gmailMessageId) {
        return db.selectFrom(AUTOPILOT_LEDGER)
                .where(AUTOPILOT_LEDGER.USER_ID.eq(userId))
                .and(AUTOPILOT_LEDGER.GMAIL_MESSAGE_ID.eq(gmailMessageId))
                .fetchOptional(r ->
                        new Kept(Outcome.valueOf(r.getDecision()), r.getReason(), r.getJobId(), r.getSendAtOnce()));
    }

    /**
     * Keeps the decision on a mail; a REPLY first takes a slot of each cap, and becomes a SKIP naming the
     * first cap that is full. A mail decided already keeps its first decision.
     */
    Kept keep(
            String userId,
            String gmailMessageId,
            Decision decision,
            List<Cap> caps,
            UUID jobId,
            boolean sendAtOnce,
            Instant now) {
        try {
            return db.transactionResult(configuration -> {
                DSLContext tx = configuration.dsl();
                Outcome outcome = decision.outcome();
                if (outcome == Outcome.REPLY) {
                    for (Cap cap : caps) {
                        if (!take(tx, userId, cap)) {
                            throw new CapFull("over " + cap.name());
                        }
                    }
                }
                UUID job = outcome == Outcome.REPLY ? jobId : null;
                insert(tx, userId, gmailMessageId, outcome, decision.reason(), job, sendAtOnce, now);
                return new Kept(outcome, decision.reason(), job, sendAtOnce);
            });
        } catch (RuntimeException e) {
            Throwable why = e instanceof CapFull || e instanceof AlreadyDecided ? e : e.getCause();
            if (why instanceof CapFull full) {
                // the slots taken before the full one went back with the transaction
                return db.transactionResult(configuration -> {
                    insert(
                            configuration.dsl(),
                            userId,
                            gmailMessageId,
                            Outcome.SKIP,
                            full.getMessage(),
                            null,
                            false,
                            now);
                    return new Kept(Outcome.SKIP, full.getMessage(), null, false);
                });
            }
            if (why instanceof AlreadyDecided) {
                return decided(userId, gmailMessageId).orElseThrow();
            }
            throw e;
        }
    }

    private static boolean take(DSLContext tx, String userId, Cap cap) {
        if (cap.limit() <= 0) {
            return false;
        }
        return tx.insertInto(AUTOPILOT_CAPS)
                        .set(AUTOPILOT_CAPS.USER_ID, userId)
                        .set(AUTOPILOT_CAPS.SCOPE, cap.scope())
                        .set(AUTOPILOT_CAPS.USED, 1)
                        .onConflict(AUTOPILOT_CAPS.USER_ID, AUTOPILOT_CAPS.SCOPE)
                        .doUpdate()
                        .set(AUTOPILOT_CAPS.USED, AUTOPILOT_CAPS.USED.plus(1))
                        .where(AUTOPILOT_CAPS.USED.lt(cap.limit()))
                        .execute()
                > 0;
    }

    private static void insert(
            DSLContext tx,
            String userId,
            String gmailMessageId,
            Outcome outcome,
            String reason,
            UUID jobId,
            boolean sendAtOnce,
            Instant now) {
        int kept = tx.insertInto(AUTOPILOT_LEDGER)
                .set(AUTOPILOT_LEDGER.USER_ID, userId)
                .set(AUTOPILOT_LEDGER.GMAIL_MESSAGE_ID, gmailMessageId)
                .set(AUTOPILOT_LEDGER.DECISION, outcome.name())
                .set(AUTOPILOT_LEDGER.REASON, reason)
                .set(AUTOPILOT_LEDGER.JOB_ID, jobId)
                .set(AUTOPILOT_LEDGER.SEND_AT_ONCE, sendAtOnce)
                .set(AUTOPILOT_LEDGER.DECIDED_AT, now)
                .onConflictDoNothing()
                .execute();
        if (kept == 0) {
            throw new AlreadyDecided();
        }
    }

    /** Unwinds a decision's transaction: a cap is full. */
    private static final class CapFull extends RuntimeException {
        CapFull(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Unwinds a decision's transaction: another instance decided the mail first. */
    private static final class AlreadyDecided extends RuntimeException {
        AlreadyDecided() {
            super(null, null, false, false);
        }
    }
}
