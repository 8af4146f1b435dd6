package app.donna.ingress.voice;

import static app.donna.projections.db.Tables.VOICE_SESSION_OWNERS;

import app.donna.ingress.chat.Caller;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Who owns each voice session a client reports on itself (the direct WebRTC path): a new id is claimed
 * for the caller when their voice token is minted ({@code voice_session_owners}), and events are accepted
 * only for the owner's sessions, so nobody can write into another caller's call.
 */
@Component
class VoiceOwners {

    private final DSLContext db;
    private final Clock clock;

    VoiceOwners(DSLContext db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** A new voice session id, the caller's, of {@code workspaceId}. */
    UUID claimNew(Caller caller, String workspaceId) {
        UUID id = UUID.randomUUID();
        db.insertInto(VOICE_SESSION_OWNERS)
                .set(VOICE_SESSION_OWNERS.VOICE_SESSION_ID, id)
                .set(VOICE_SESSION_OWNERS.OWNER_USER_ID, caller.userId())
                .set(VOICE_SESSION_OWNERS.ANONYMOUS, caller.anonymous())
                .set(VOICE_SESSION_OWNERS.CLAIMED_AT, clock.instant())
                .set(VOICE_SESSION_OWNERS.WORKSPACE_ID, workspaceId)
                .execute();
        return id;
    }

    /** The workspace of a claimed call (null for a call claimed before workspaces: the default's). */
    Optional<String> workspaceOf(UUID voiceSessionId) {
        return db.select(VOICE_SESSION_OWNERS.WORKSPACE_ID)
                .from(VOICE_SESSION_OWNERS)
                .where(VOICE_SESSION_OWNERS.VOICE_SESSION_ID.eq(voiceSessionId))
                .fetchOptional(r -> r.value1());
    }

    /** Whether {@code voiceSessionId} was claimed by {@code caller} (a visitor and a user never match). */
    boolean owns(UUID voiceSessionId, Caller caller) {
        return db.fetchExists(
                VOICE_SESSION_OWNERS,
                VOICE_SESSION_OWNERS
                        .VOICE_SESSION_ID
                        .eq(voiceSessionId)
                        .and(VOICE_SESSION_OWNERS.OWNER_USER_ID.eq(caller.userId()))
                        .and(VOICE_SESSION_OWNERS.ANONYMOUS.eq(caller.anonymous())));
    }
}
