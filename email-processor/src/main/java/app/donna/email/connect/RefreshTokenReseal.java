package app.donna.email.connect;

import static app.donna.projections.db.Tables.GMAIL_CONNECTIONS;

import app.donna.email.account.GmailKeys;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Finishes a key rotation: once started, seals again with the current key every stored refresh token an
 * older key sealed, so the older key can then be removed from {@code DONNA_SECRET_KEYS}. A token no
 * configured key opens is left as it is and reported (its user must connect again). Each row changes only
 * if it still holds what was read, so a connection made meanwhile is not overwritten.
 */
@Component
class RefreshTokenReseal {

    private static final Logger log = LoggerFactory.getLogger(RefreshTokenReseal.class);

    private final DSLContext db;
    private final GmailKeys keys;

    RefreshTokenReseal(DSLContext db, GmailKeys keys) {
        this.db = db;
        this.keys = keys;
    }

    @EventListener(ApplicationReadyEvent.class)
    void resealOnStart() {
        keys.secrets().ifPresent(this::reseal);
    }

    /** @return how many tokens were sealed again */
    int reseal(SealedSecrets secrets) {
        int resealed = 0;
        int unreadable = 0;
        for (var row : db.select(GMAIL_CONNECTIONS.USER_ID, GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED)
                .from(GMAIL_CONNECTIONS)
                .fetch()) {
            String user = row.value1();
            String sealed = row.value2();
            if (secrets.sealedWithCurrentKey(sealed)) {
                continue;
            }
            try {
                String context = SealedContexts.gmailRefreshToken(user);
                String again = secrets.seal(secrets.open(sealed, context), context);
                resealed += db.update(GMAIL_CONNECTIONS)
                        .set(GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED, again)
                        .where(GMAIL_CONNECTIONS.USER_ID.eq(user))
                        .and(GMAIL_CONNECTIONS.REFRESH_TOKEN_SEALED.eq(sealed))
                        .execute();
            } catch (SealedSecrets.NotOpened e) {
                unreadable++;
                log.error(
                        "The Gmail refresh token of {} does not open ({}); that user must connect Gmail again",
                        user,
                        e.getMessage());
            }
        }
        if (resealed > 0 || unreadable > 0) {
            log.info(
                    "Gmail refresh tokens sealed again with the current key: {}; unreadable: {}", resealed, unreadable);
        }
        return resealed;
    }
}
