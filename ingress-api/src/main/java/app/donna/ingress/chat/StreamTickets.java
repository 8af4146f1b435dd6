package app.donna.ingress.chat;

import static app.donna.projections.db.Tables.CHAT_STREAM_TICKETS;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;

/**
 * Tickets that open one session's reply stream once, for browsers: {@code EventSource} cannot send an
 * {@code Authorization} header, and a long-lived token must never sit in a URL (logs, history, proxies).
 * A ticket is 256 random bits, good for {@link ChatApiSettings#streamTicketLifetime()}, for one session and
 * its owner, and is spent by the first stream it opens, on whichever instance that is (the database
 * deletes it as it redeems it). Only its SHA-256 is stored.
 */
@Component
class StreamTickets {

    /** A ticket as handed to its owner. */
    record Issued(String ticket, Duration lifetime) {}

    private final SecureRandom random = new SecureRandom();
    private final DSLContext db;
    private final Clock clock;
    private final Duration lifetime;

    StreamTickets(DSLContext db, Clock clock, ChatApiSettings settings) {
        this.db = db;
        this.clock = clock;
        this.lifetime = settings.streamTicketLifetime();
    }

    /** A ticket for {@code session}, which the caller has checked is the asker's. */
    Issued issue(UUID session) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        // Spent or expired tickets go as new ones come: the table stays as small as the tickets in flight.
        db.deleteFrom(CHAT_STREAM_TICKETS)
                .where(CHAT_STREAM_TICKETS.EXPIRES_AT.lt(now))
                .execute();
        db.insertInto(CHAT_STREAM_TICKETS)
                .set(CHAT_STREAM_TICKETS.TICKET_SHA256, sha256(ticket))
                .set(CHAT_STREAM_TICKETS.SESSION_ID, session)
                .set(CHAT_STREAM_TICKETS.EXPIRES_AT, now.plus(lifetime))
                .execute();
        return new Issued(ticket, lifetime);
    }

    /** Spends {@code ticket}: true once if it is unexpired and for {@code session}, false ever after. */
    boolean redeem(String ticket, UUID session) {
        if (ticket.length() > 64) {
            return false;
        }
        return db.deleteFrom(CHAT_STREAM_TICKETS)
                .where(CHAT_STREAM_TICKETS.TICKET_SHA256.eq(sha256(ticket)))
                .returning(CHAT_STREAM_TICKETS.SESSION_ID, CHAT_STREAM_TICKETS.EXPIRES_AT)
                .fetchOptional()
                .filter(r -> r.get(CHAT_STREAM_TICKETS.EXPIRES_AT).isAfter(clock.instant()))
                .map(r -> r.get(CHAT_STREAM_TICKETS.SESSION_ID).equals(session))
                .orElse(false);
    }

    private static String sha256(String ticket) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
