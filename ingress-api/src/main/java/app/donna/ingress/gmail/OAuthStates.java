package app.donna.ingress.gmail;

import static app.donna.projections.db.Tables.GMAIL_OAUTH_STATES;

import app.donna.ingress.gmail.oauth.Pkce;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.stereotype.Component;

/**
 * The Gmail connections under way ({@code gmail_oauth_states}): each started by a signed-in user in one
 * browser, finished once. Only hashes of the state and of the browser's cookie are kept, and the PKCE
 * verifier sealed.
 */
@Component
class OAuthStates {

    /** Started connections are forgotten this long after they began, used or not. */
    private static final Duration KEPT = Duration.ofDays(1);

    /** A started connection that came back as it should. */
    record Started(String userId, String verifierSealed, URI redirectUri, String workspaceId) {}

    /** Why a callback's state is refused: a user can act on each. */
    enum Refusal {
        MISSING("The connection request carries no state. Start connecting Gmail again."),
        UNKNOWN("This connection request is unknown or too old. Start connecting Gmail again."),
        STALE("This connection request took too long. Start connecting Gmail again."),
        REUSED("This connection request was used already. Start connecting Gmail again if you need to."),
        FOREIGN("This connection request was started in another browser. Finish it where you started it.");

        final String detail;

        Refusal(String detail) {
            this.detail = detail;
        }
    }

    /** The outcome of a callback's state: started as it should, or refused. */
    sealed interface Outcome {
        record Accepted(Started started) implements Outcome {}

        record Refused(Refusal why) implements Outcome {}
    }

    private final DSLContext db;
    private final Clock clock;

    OAuthStates(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Records a started connection (forgetting those begun over a day ago). */
    void started(
            String state, String browser, String userId, String workspaceId, String verifierSealed, URI redirectUri) {
        Instant now = clock.instant();
        db.deleteFrom(GMAIL_OAUTH_STATES)
                .where(GMAIL_OAUTH_STATES.CREATED_AT.lt(now.minus(KEPT)))
                .execute();
        db.insertInto(GMAIL_OAUTH_STATES)
                .set(GMAIL_OAUTH_STATES.STATE_HASH, Pkce.hashOf(state))
                .set(GMAIL_OAUTH_STATES.USER_ID, userId)
                .set(GMAIL_OAUTH_STATES.BROWSER_HASH, Pkce.hashOf(browser))
                .set(GMAIL_OAUTH_STATES.VERIFIER_SEALED, verifierSealed)
                .set(GMAIL_OAUTH_STATES.REDIRECT_URI, redirectUri.toString())
                .set(GMAIL_OAUTH_STATES.CREATED_AT, now)
                .set(GMAIL_OAUTH_STATES.WORKSPACE_ID, workspaceId)
                .execute();
    }

    /**
     * Uses up {@code state}, once: it must be known, fresh, unused and come back to the browser that
     * started it ({@code browser}, its cookie). Two callbacks with the same state at once: one wins.
     */
    Outcome finish(String state, String browser, Duration lifetime) {
        if (state == null || state.isBlank()) {
            return new Outcome.Refused(Refusal.MISSING);
        }
        String stateHash = Pkce.hashOf(state);
        Record row = db.select(
                        GMAIL_OAUTH_STATES.USER_ID,
                        GMAIL_OAUTH_STATES.BROWSER_HASH,
                        GMAIL_OAUTH_STATES.VERIFIER_SEALED,
                        GMAIL_OAUTH_STATES.REDIRECT_URI,
                        GMAIL_OAUTH_STATES.CREATED_AT,
                        GMAIL_OAUTH_STATES.USED_AT,
                        GMAIL_OAUTH_STATES.WORKSPACE_ID)
                .from(GMAIL_OAUTH_STATES)
                .where(GMAIL_OAUTH_STATES.STATE_HASH.eq(stateHash))
                .fetchOne();
        if (row == null) {
            return new Outcome.Refused(Refusal.UNKNOWN);
        }
        if (row.get(GMAIL_OAUTH_STATES.USED_AT) != null) {
            return new Outcome.Refused(Refusal.REUSED);
        }
        if (browser == null || !Pkce.hashOf(browser).equals(row.get(GMAIL_OAUTH_STATES.BROWSER_HASH))) {
            return new Outcome.Refused(Refusal.FOREIGN);
        }
        Instant now = clock.instant();
        if (row.get(GMAIL_OAUTH_STATES.CREATED_AT).plus(lifetime).isBefore(now)) {
            return new Outcome.Refused(Refusal.STALE);
        }
        int used = db.update(GMAIL_OAUTH_STATES)
                .set(GMAIL_OAUTH_STATES.USED_AT, now)
                .where(GMAIL_OAUTH_STATES.STATE_HASH.eq(stateHash))
                .and(GMAIL_OAUTH_STATES.USED_AT.isNull())
                .execute();
        if (used == 0) {
            return new Outcome.Refused(Refusal.REUSED); // another callback took it in between
        }
        return new Outcome.Accepted(new Started(
                row.get(GMAIL_OAUTH_STATES.USER_ID),
                row.get(GMAIL_OAUTH_STATES.VERIFIER_SEALED),
                URI.create(row.get(GMAIL_OAUTH_STATES.REDIRECT_URI)),
                row.get(GMAIL_OAUTH_STATES.WORKSPACE_ID)));
    }
}
