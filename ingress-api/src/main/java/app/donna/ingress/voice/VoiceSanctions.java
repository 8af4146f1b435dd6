package app.donna.ingress.voice;

import static app.donna.projections.db.Tables.ABUSE_FLAGS;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

/**
 * Whether a caller may start a call: not for {@code donna.voice.block-sanction} after a BLOCK verdict on
 * them (in chat or on a call), read from the {@code abuse_flags} read model. The relay refuses its own
 * calls the same way; this keeps a blocked caller from going round it on the direct WebRTC path.
 */
@Component
class VoiceSanctions {

    private final DSLContext db;
    private final VoiceSettings settings;
    private final Clock clock;

    VoiceSanctions(DSLContext db, VoiceSettings settings, Clock clock) {
        this.db = db;
        this.settings = settings;
        this.clock = clock;
    }

    /** Until when {@code userId}'s calls are refused, if they are now. */
    Optional<Instant> refusedUntil(String userId) {
        Instant now = clock.instant();
        Instant latest = db.select(DSL.max(ABUSE_FLAGS.OCCURRED_AT))
                .from(ABUSE_FLAGS)
                .where(ABUSE_FLAGS.USER_ID.eq(userId))
                .and(ABUSE_FLAGS.DECISION.eq("BLOCK"))
                .and(ABUSE_FLAGS.OCCURRED_AT.gt(now.minus(settings.blockSanction())))
                .fetchOne(0, Instant.class);
        return Optional.ofNullable(latest)
                .map(at -> at.plus(settings.blockSanction()))
                .filter(until -> until.isAfter(now));
    }
}
