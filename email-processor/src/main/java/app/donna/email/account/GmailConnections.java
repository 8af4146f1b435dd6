package app.donna.email.account;

import static app.donna.projections.db.Tables.GMAIL_CONNECTIONS;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/** The connected mailboxes ({@code gmail_connections}): one per user, its refresh token sealed. */
@Component
public class GmailConnections {

    /** A connection as stored. */
    public record Connection(String userId, String emailAddress, List<String> scopes, UUID jobId) {}

    private final DSLContext db;
    private final Clock clock;

    GmailConnections(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Connects (or reconnects) {@code userId}'s mailbox, as {@code workspaceId}'s (null: the default's). */
    public void save(
            String userId,
            String emailAddress,
            String refreshTokenSealed,
            List<String> scopes,
            UUID jobId,
            String workspaceId) {
        db.insertInto(GMAIL_CONNECTIONS)
                .set(GMAIL_CONNECTIONS.USER_ID, userId)
                .set(GMAIL_CONNECTIONS.EMAIL_ADDRESS, emailAddress)
                .set(GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED, refreshTokenSealed)
                .set(GMAIL_CONNECTIONS.SCOPES, String.join(" ", scopes))
                .set(GMAIL_CONNECTIONS.CONNECTED_AT, clock.instant())
                .set(GMAIL_CONNECTIONS.JOB_ID, jobId)
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, clock.instant())
                .set(GMAIL_CONNECTIONS.WORKSPACE_ID, workspaceId)
                .onConflict(GMAIL_CONNECTIONS.USER_ID)
                .doUpdate()
                .set(GMAIL_CONNECTIONS.EMAIL_ADDRESS, emailAddress)
                .set(GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED, refreshTokenSealed)
                .set(GMAIL_CONNECTIONS.SCOPES, String.join(" ", scopes))
                .set(GMAIL_CONNECTIONS.CONNECTED_AT, clock.instant())
                .set(GMAIL_CONNECTIONS.JOB_ID, jobId)
                .setNull(GMAIL_CONNECTIONS.HISTORY_ID) // perhaps another mailbox: its sync starts afresh
                .set(GMAIL_CONNECTIONS.NEXT_SYNC_AT, clock.instant())
                .set(GMAIL_CONNECTIONS.SYNC_FAILURES, 0)
                .setNull(GMAIL_CONNECTIONS.LAST_SYNC_ERROR)
                .set(GMAIL_CONNECTIONS.WORKSPACE_ID, workspaceId)
                .execute();
    }

    /** The connection job {@code jobId} made, if it made the user's current one. */
    public Optional<Connection> madeBy(UUID jobId) {
        return db.select(
                        GMAIL_CONNECTIONS.USER_ID,
                        GMAIL_CONNECTIONS.EMAIL_ADDRESS,
                        GMAIL_CONNECTIONS.SCOPES,
                        GMAIL_CONNECTIONS.JOB_ID)
                .from(GMAIL_CONNECTIONS)
                .where(GMAIL_CONNECTIONS.JOB_ID.eq(jobId))
                .fetchOptional(r -> new Connection(
                        r.get(GMAIL_CONNECTIONS.USER_ID),
                        r.get(GMAIL_CONNECTIONS.EMAIL_ADDRESS),
                        List.of(r.get(GMAIL_CONNECTIONS.SCOPES).split(" ")),
                        r.get(GMAIL_CONNECTIONS.JOB_ID)));
    }

    /**
     * What is kept of a user's connection: the mailbox's address, the sealed refresh token and the workspace
     * whose mailbox it is (null: the default workspace).
     */
    public record Stored(String emailAddress, String refreshTokenSealed, String workspaceId) {
        @Override
        public String toString() {
            return "Stored[" + emailAddress + "]";
        }
    }

    /** {@code userId}'s connection, if connected. */
    public Optional<Stored> of(String userId) {
        return db.select(
                        GMAIL_CONNECTIONS.EMAIL_ADDRESS,
                        GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED,
                        GMAIL_CONNECTIONS.WORKSPACE_ID)
                .from(GMAIL_CONNECTIONS)
                .where(GMAIL_CONNECTIONS.USER_ID.eq(userId))
                .fetchOptional(r -> new Stored(
                        r.get(GMAIL_CONNECTIONS.EMAIL_ADDRESS),
                        r.get(GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED),
                        r.get(GMAIL_CONNECTIONS.WORKSPACE_ID)));
    }

    /** Forgets {@code userId}'s connection and its token. */
    public void delete(String userId) {
        db.deleteFrom(GMAIL_CONNECTIONS)
                .where(GMAIL_CONNECTIONS.USER_ID.eq(userId))
                .execute();
    }
}
