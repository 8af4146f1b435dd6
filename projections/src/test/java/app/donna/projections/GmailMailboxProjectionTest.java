package app.donna.projections;

import static app.donna.projections.db.Tables.GMAIL_MAILBOXES;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnected;
import app.donna.projections.db.tables.records.GmailMailboxesRecord;
import app.donna.projections.email.GmailMailboxProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Gmail mailbox read model on a real database: connected, disconnected, and events out of order. */
@ExtendWith(InfraExtension.class)
class GmailMailboxProjectionTest {

    static final HikariDataSource DATA = MigratedDatabase.create("gmail-mailboxes");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void aMailboxIsConnectedThenDisconnectedAndAnOlderEventChangesNothing() {
        String user = "u-" + UUID.randomUUID();
        GmailConnected connected = connected(user, T0);
        apply(connected);

        GmailMailboxesRecord row = row(user);
        assertThat(row.getStatus()).isEqualTo("connected");
        assertThat(row.getEmailAddress()).isEqualTo("owner@salon.example");
        assertThat(row.getScopes()).isEqualTo("https://www.googleapis.com/auth/gmail.readonly");
        assertThat(row.getConnectedAt()).isEqualTo(T0);
        assertThat(row.getWorkspaceId()).isEqualTo("ws-salon");

        apply(disconnected(user, T0.plusSeconds(60), false, "Google could not be reached: remove access"));
        apply(connected); // a replay of the older connection: the newer disconnection stands
        row = row(user);
        assertThat(row.getStatus()).isEqualTo("disconnected");
        assertThat(row.getRevoked()).isFalse();
        assertThat(row.getNote()).contains("remove access");
        assertThat(row.getScopes()).isEmpty();

        apply(connected(user, T0.plusSeconds(120)));
        row = row(user);
        assertThat(row.getStatus()).isEqualTo("connected");
        assertThat(row.getNote()).as("a new connection clears the old note").isNull();
    }

    @Test
    void aDisconnectionOfAMailboxNeverSeenIsKeptToo() {
        String user = "u-" + UUID.randomUUID();
        apply(disconnected(user, T0, false, "No Gmail mailbox was connected."));

        assertThat(row(user).getStatus()).isEqualTo("disconnected");
        assertThat(row(user).getEmailAddress()).isNull();
    }

    static GmailConnected connected(String user, Instant at) {
        return GmailConnected.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(user)
                .setEmailAddress("owner@salon.example")
                .setScopes(List.of("https://www.googleapis.com/auth/gmail.readonly"))
                .setWorkspaceId("ws-salon")
                .build();
    }

    static GmailDisconnected disconnected(String user, Instant at, boolean revoked, String note) {
        return GmailDisconnected.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(user)
                .setJobId(UUID.randomUUID())
                .setEmailAddress(note.startsWith("No Gmail") ? null : "owner@salon.example")
                .setRevoked(revoked)
                .setNote(note)
                .build();
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new GmailMailboxProjection(), events);
    }

    static GmailMailboxesRecord row(String user) {
        return DB.selectFrom(GMAIL_MAILBOXES)
                .where(GMAIL_MAILBOXES.USER_ID.eq(user))
                .fetchOne();
    }
}
