package app.donna.projections;

import static app.donna.projections.db.Tables.EMAIL_LOGS;
import static app.donna.projections.db.Tables.GMAIL_MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.common.SendOrigin;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.projections.db.tables.records.GmailMessagesRecord;
import app.donna.projections.email.GmailInboxProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The inbox and email log read models on a real database: a message read again by a later sync is one
 * row with its labels refreshed; list mail is marked automated; text PostgreSQL cannot hold is kept
 * readable; each send and failure is one log row however often delivered.
 */
@ExtendWith(InfraExtension.class)
class GmailInboxProjectionTest {

    static final HikariDataSource DATA = MigratedDatabase.create("gmail-inbox");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void aMessageReadAgainIsOneRowWithItsLabelsRefreshed() {
        String user = "u-" + UUID.randomUUID();
        // a person's mail carries a Return-Path like any delivered mail: that makes it no automatic mail
        EmailReceived first = received(
                user, "m1", "Saturday?\u0000", List.of("INBOX", "UNREAD"), Map.of("return-path", "<ana@example.com>"));
        apply(first);
        apply(EmailReceived.newBuilder(first).setLabelIds(List.of("INBOX")).build());
        apply(received(user, "m2", "Offers", List.of("INBOX"), Map.of("list-id", "<weekly.example>")));

        var rows = DB.selectFrom(GMAIL_MESSAGES)
                .where(GMAIL_MESSAGES.USER_ID.eq(user))
                .orderBy(GMAIL_MESSAGES.GMAIL_MESSAGE_ID)
                .fetch();
        assertThat(rows).hasSize(2);
        GmailMessagesRecord question = rows.getFirst();
        assertThat(question.getLabelIds()).isEqualTo("INBOX");
        assertThat(question.getSubject()).isEqualTo("Saturday?\uFFFD");
        assertThat(question.getToAddresses()).isEqualTo("owner@salon.example, desk@salon.example");
        assertThat(question.getAutomated()).isFalse();
        assertThat(rows.get(1).getAutomated()).as("list mail").isTrue();
    }

    @Test
    void eachSendAndFailureIsOneLogRow() {
        String user = "u-" + UUID.randomUUID();
        UUID job = UUID.randomUUID();
        EmailFailed throttled = EmailFailed.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setUserId(user)
                .setJobId(job)
                .setReason("Gmail asked to slow down (429); trying again")
                .setRetryable(true)
                .build();
        EmailSent sent = EmailSent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0.plusSeconds(2))
                .setUserId(user)
                .setJobId(job)
                .setSentGmailMessageId("s1")
                .setThreadId("t1")
                .setTo(List.of("ana@example.com"))
                .setSubject("Re: Saturday?")
                .setOrigin(SendOrigin.USER)
                .build();
        apply(throttled, sent, sent);

        var rows = DB.selectFrom(EMAIL_LOGS)
                .where(EMAIL_LOGS.USER_ID.eq(user))
                .orderBy(EMAIL_LOGS.AT)
                .fetch();
        assertThat(rows).extracting(r -> r.getOutcome()).containsExactly("failed", "sent");
        assertThat(rows.get(0).getRetryable()).isTrue();
        assertThat(rows.get(1).getGmailMessageId()).isEqualTo("s1");
        assertThat(rows.get(1).getOrigin()).isEqualTo("USER");
    }

    static EmailReceived received(
            String user, String id, String subject, List<String> labels, Map<String, String> automation) {
        return EmailReceived.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setUserId(user)
                .setGmailMessageId(id)
                .setThreadId("t-" + id)
                .setFrom("Ana <ana@example.com>")
                .setTo(List.of("owner@salon.example", "desk@salon.example"))
                .setSubject(subject)
                .setSnippet("Are you open?")
                .setReceivedAt(T0)
                .setLabelIds(labels)
                .setRfc822MessageId("<" + id + "@mail.example>")
                .setAutomationHeaders(automation)
                .build();
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new GmailInboxProjection(), events);
    }
}
