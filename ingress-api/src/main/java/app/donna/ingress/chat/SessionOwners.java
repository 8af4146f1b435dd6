package app.donna.ingress.chat;

import static app.donna.projections.db.Tables.CHAT_SESSIONS;
import static app.donna.projections.db.Tables.CHAT_SESSION_OWNERS;

import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.workspace.Membership;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/**
 * Who owns each chat session, decided on the write path. A session is claimed for its caller before
 * anything is published for it ({@code chat_session_owners}, whose primary key makes the first claim win
 * and every later one see it), so two users racing to the same new session id can never both get in, on
 * any instance, and no read waits for the projector. An owner never changes, so owners once read are
 * remembered.
 */
@Component
class SessionOwners {

    /**
     * A session's owner: a user, or a visitor ({@code anonymous}); the two never match each other.
     *
     * @param workspaceId the workspace the session belongs to (a session from before workspaces: the default)
     */
    record Owner(String userId, boolean anonymous, String workspaceId) {}

    /** Sessions whose owner has been read, kept so that each message need not ask the database. */
    private static final int REMEMBERED_OWNERS = 100_000;

    private final DSLContext db;
    private final Clock clock;
    private final Cache<UUID, Owner> owners =
            Caffeine.newBuilder().maximumSize(REMEMBERED_OWNERS).build();

    private final String defaultWorkspace;

    SessionOwners(DSLContext db, Clock clock, Workspaces workspaces) {
        this.db = db;
        this.clock = clock;
        this.defaultWorkspace = workspaces.defaultId();
    }

    /**
     * Claims {@code session} for {@code caller}, in {@code workspaceId}, unless someone owns it already.
     *
     * @return whether the session is the caller's now (newly claimed, or theirs before)
     */
    boolean claim(UUID session, Caller caller, String workspaceId) {
        Owner owner = ownerOf(session).orElseGet(() -> {
            // A session opened before claims existed keeps the owner the read model gave it.
            var legacy = CHAT_SESSIONS.as("legacy");
            db.insertInto(
                            CHAT_SESSION_OWNERS,
                            CHAT_SESSION_OWNERS.SESSION_ID,
                            CHAT_SESSION_OWNERS.OWNER_USER_ID,
                            CHAT_SESSION_OWNERS.ANONYMOUS,
                            CHAT_SESSION_OWNERS.CLAIMED_AT,
                            CHAT_SESSION_OWNERS.WORKSPACE_ID)
                    .select(DSL.select(
                                    DSL.val(session),
                                    DSL.coalesce(legacy.OWNER_USER_ID, DSL.val(caller.userId())),
                                    DSL.coalesce(legacy.ANONYMOUS, DSL.val(caller.anonymous())),
                                    DSL.val(clock.instant()),
                                    DSL.coalesce(legacy.WORKSPACE_ID, DSL.val(workspaceId)))
                            .from(DSL.selectOne().asTable("claim"))
                            .leftJoin(legacy)
                            .on(legacy.SESSION_ID.eq(session)))
                    .onConflictDoNothing()
                    .execute();
            // Read back in a statement of its own: it sees a competing claim that committed first.
            return ownerOf(session).orElseThrow(() -> new IllegalStateException("claim of " + session + " vanished"));
        });
        return caller.owns(session, owner);
    }

    /** The session's owner, if anyone has claimed it. */
    Optional<Owner> ownerOf(UUID session) {
        Owner known = owners.getIfPresent(session);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Owner> owner = db.select(
                        CHAT_SESSION_OWNERS.OWNER_USER_ID,
                        CHAT_SESSION_OWNERS.ANONYMOUS,
                        CHAT_SESSION_OWNERS.WORKSPACE_ID)
                .from(CHAT_SESSION_OWNERS)
                .where(CHAT_SESSION_OWNERS.SESSION_ID.eq(session))
                .fetchOptional(
                        r -> new Owner(r.value1(), r.value2(), r.value3() == null ? defaultWorkspace : r.value3()));
        owner.ifPresent(o -> owners.put(session, o));
        return owner;
    }

    /** Whether {@code session} exists and is {@code caller}'s. */
    boolean isOwnedBy(UUID session, Caller caller) {
        return ownerOf(session).filter(owner -> caller.owns(session, owner)).isPresent();
    }

    /**
     * Whether {@code caller} may read {@code session}: its owner, or a member (owner or staff) of the
     * workspace it belongs to.
     */
    boolean isVisibleTo(UUID session, Caller caller, Optional<Membership> member) {
        return ownerOf(session)
                .filter(owner -> caller.owns(session, owner)
                        || member.filter(m -> m.workspaceId().equals(owner.workspaceId()))
                                .isPresent())
                .isPresent();
    }
}
