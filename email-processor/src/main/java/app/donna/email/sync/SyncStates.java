package app.donna.email.sync;

import static app.donna.projections.db.Tables.GMAIL_CONNECTIONS;
import static org.jooq.impl.DSL.select;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Where each mailbox's sync stands, in its {@code gmail_connections} row. Mailboxes are claimed with
 * {@code FOR UPDATE SKIP LOCKED} and their next sync moved a lease ahead, so two instances never sync one
 * mailbox at once; every later write names the connection it claimed, so a mailbox reconnected meanwhile
 * (its history started afresh) is not given the old one's.
 */
@Component
class SyncStates {

    /** A mailbox due for a sync: whose, which connection, where its history stands, its failures in a row. */
    record Due(String userId, UUID connectionJobId, Long historyId, int failures) {}

    private final DSLContext db;

    SyncStates(DSLContext db) {
        this.db = db;
    }

    /** Claims up to {@code limit} mailboxes due at {@code now}, leaving them to this instance for {@code lease}. */
    List<Due> claimDue(Instant now, Duration lease, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return db.update(GMAIL_CONNECTIONS)
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, now.plus(lease))
                .where(GMAIL_CONNECTIONS.USER_ID.in(select(GMAIL_CONNECTIONS.USER_ID)
                        .from(GMAIL_CONNECTIONS)
                        .where(GMAIL_CONNECTIONS.NEXT_SYNC_AT.le(now))
                        .orderBy(GMAIL_CONNECTIONS.NEXT_SYNC_AT)
                        .limit(limit)
                        .forUpdate()
                        .skipLocked()))
                .returning(
                        GMAIL_CONNECTIONS.USER_ID,
                        GMAIL_CONNECTIONS.JOB_ID,
                        GMAIL_CONNECTIONS.HISTORY_ID,
                        GMAIL_CONNECTIONS.SYNC_FAILURES)
                .fetch(r -> new Due(
                        r.get(GMAIL_CONNECTIONS.USER_ID),
                        r.get(GMAIL_CONNECTIONS.JOB_ID),
                        r.get(GMAIL_CONNECTIONS.HISTORY_ID),
                        r.get(GMAIL_CONNECTIONS.SYNC_FAILURES)));
    }

    /** The sync went well: history now stands at {@code historyId}; next one at {@code next}. */
    void synced(Due due, long historyId, Instant now, Instant next) {
        db.update(GMAIL_CONNECTIONS)
                .set(GMAIL_CONNECTIONS.HISTORY_ID, historyId)
                .set(GMAIL_CONNECTIONS.LAST_SYNCED_AT, now)
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, next)
                .set(GMAIL_CONNECTIONS.SYNC_FAILURES, 0)
                .setNull(GMAIL_CONNECTIONS.LAST_SYNC_ERROR)
                .where(GMAIL_CONNECTIONS.USER_ID.eq(due.userId()))
                .and(GMAIL_CONNECTIONS.JOB_ID.eq(due.connectionJobId()))
                .execute();
    }

    /** The sync failed, saying why; the next one waits until {@code next}. */
    void failed(Due due, String error, Instant next) {
        db.update(GMAIL_CONNECTIONS)
                .set(GMAIL_CONNECTIONS.SYNC_FAILURES, GMAIL_CONNECTIONS.SYNC_FAILURES.plus(1))
                .set(GMAIL_CONNECTIONS.LAST_SYNC_ERROR, error)
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, next)
                .where(GMAIL_CONNECTIONS.USER_ID.eq(due.userId()))
                .and(GMAIL_CONNECTIONS.JOB_ID.eq(due.connectionJobId()))
                .execute();
    }

    /**
     * Makes {@code userId}'s mailbox due now, unless it is paused (backing off) beyond {@code now}: asking
     * again does not override Gmail's {@code Retry-After}.
     *
     * @return whether the mailbox is connected
     */
    boolean nudge(String userId, Instant now) {
        int connected = db.update(GMAIL_CONNECTIONS)
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, now)
                .where(GMAIL_CONNECTIONS.USER_ID.eq(userId))
                .and(GMAIL_CONNECTIONS.SYNC_FAILURES.eq(0))
                .execute();
        return connected > 0 || db.fetchExists(GMAIL_CONNECTIONS, GMAIL_CONNECTIONS.USER_ID.eq(userId));
    }
}
