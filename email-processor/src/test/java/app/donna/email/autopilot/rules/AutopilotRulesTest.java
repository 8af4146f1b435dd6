package app.donna.email.autopilot.rules;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.email.autopilot.rules.AutopilotRules.Decision;
import app.donna.email.autopilot.rules.AutopilotRules.Mail;
import app.donna.email.autopilot.rules.AutopilotRules.Mode;
import app.donna.email.autopilot.rules.AutopilotRules.Outcome;
import app.donna.email.autopilot.rules.AutopilotRules.Settings;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AutopilotRulesTest {

    static final Instant NOON_UTC = Instant.parse("2026-12-02T12:00:00Z");
    static final Settings DRAFTS = new Settings(
            Mode.DRAFT_ONLY,
            20,
            3,
            2,
            Optional.empty(),
            Optional.empty(),
            ZoneId.of("UTC"),
            List.of(),
            List.of("blocked@example.com", "@spam.example"));

    static Mail from(String sender, Map<String, String> headers) {
        return new Mail(sender, "owner@salon.example", headers, List.of("INBOX"), false, false);
    }

    static Decision decide(Settings settings, Mail mail) {
        return AutopilotRules.decide(settings, mail, NOON_UTC);
    }

    @Test
    void routineMailIsAnswered() {
        Decision d = decide(DRAFTS, from("ana@example.com", Map.of()));

        assertThat(d.outcome()).isEqualTo(Outcome.REPLY);
        assertThat(d.reason()).contains("draft");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "owner@salon.example | | | the user's own mail",
                "blocked@example.com | | | deny list",
                "x@spam.example | | | deny list",
                "noreply@shop.example | | | no-reply",
                "no-reply@shop.example | | | no-reply",
                "mailer-daemon@mail.example | | | no-reply",
                "ana@example.com | auto-submitted | auto-replied | Auto-Submitted: auto-replied",
                "ana@example.com | auto-submitted | auto-generated | automatic mail",
                "ana@example.com | x-autoreply | yes | automatic reply",
                "ana@example.com | x-auto-response-suppress | All | no automatic replies",
                "ana@example.com | return-path | <> | bounce",
                "news@example.com | precedence | bulk | bulk mail",
                "news@example.com | precedence | list | bulk mail",
                "news@example.com | list-id | <weekly.example.com> | list mail",
                "news@example.com | list-unsubscribe | <mailto:u@example.com> | list mail",
                " | | | no address"
            })
    void eachSkipRuleSaysWhy(String sender, String header, String value, String reason) {
        Map<String, String> headers = header == null ? Map.of() : Map.of(header, value);

        Decision d = decide(DRAFTS, from(sender == null ? "" : sender, headers));

        assertThat(d.outcome()).isEqualTo(Outcome.SKIP);
        assertThat(d.reason()).contains(reason);
    }

    @Test
    void autoSubmittedNoIsAPersonsMail() {
        assertThat(decide(DRAFTS, from("ana@example.com", Map.of("auto-submitted", "No")))
                        .outcome())
                .isEqualTo(Outcome.REPLY);
    }

    @Test
    void offSpamAnsweredThreadsFlaggedSendersAndTheAllowList() {
        Settings off = Settings.off();
        assertThat(decide(off, from("ana@example.com", Map.of())).reason()).isEqualTo("autopilot is off");

        Mail spam = new Mail("ana@example.com", "owner@salon.example", Map.of(), List.of("SPAM"), false, false);
        assertThat(decide(DRAFTS, spam).reason()).contains("SPAM");

        Mail answered = new Mail("ana@example.com", "owner@salon.example", Map.of(), List.of("INBOX"), true, false);
        assertThat(decide(DRAFTS, answered).reason()).contains("a person already answered");

        Mail flagged = new Mail("ana@example.com", "owner@salon.example", Map.of(), List.of("INBOX"), false, true);
        assertThat(decide(DRAFTS, flagged).reason()).contains("abuse detector");

        Settings onlyRegulars = new Settings(
                Mode.AUTO_SEND,
                20,
                3,
                2,
                Optional.empty(),
                Optional.empty(),
                ZoneId.of("UTC"),
                List.of("@regulars.example", "VIP@Example.com"),
                List.of());
        assertThat(decide(onlyRegulars, from("ana@example.com", Map.of())).reason())
                .contains("allow list");
        assertThat(decide(onlyRegulars, from("bo@regulars.example", Map.of())).outcome())
                .isEqualTo(Outcome.REPLY);
        assertThat(decide(onlyRegulars, from("vip@example.com", Map.of())).reason())
                .contains("sent");
    }

    @Test
    void quietHoursInTheUsersTimeZoneLeaveMailForAPerson() {
        Settings paris = new Settings(
                Mode.AUTO_SEND,
                20,
                3,
                2,
                Optional.of(LocalTime.of(22, 0)),
                Optional.of(LocalTime.of(7, 0)),
                ZoneId.of("Europe/Paris"),
                List.of(),
                List.of());

        // 22:30 UTC is 23:30 in Paris (winter): quiet; 12:00 UTC is 13:00: not
        assertThat(AutopilotRules.decide(
                                paris, from("ana@example.com", Map.of()), Instant.parse("2026-12-02T22:30:00Z"))
                        .outcome())
                .isEqualTo(Outcome.ESCALATE);
        assertThat(AutopilotRules.decide(
                                paris, from("ana@example.com", Map.of()), Instant.parse("2026-12-02T05:30:00Z"))
                        .reason())
                .contains("quiet hours");
        assertThat(AutopilotRules.decide(paris, from("ana@example.com", Map.of()), NOON_UTC)
                        .outcome())
                .isEqualTo(Outcome.REPLY);
    }

    @Test
    void capsCountTheDayInTheUsersTimeZone() {
        Settings tokyo = new Settings(
                Mode.DRAFT_ONLY,
                20,
                3,
                2,
                Optional.empty(),
                Optional.empty(),
                ZoneId.of("Asia/Tokyo"),
                List.of(),
                List.of());

        AutopilotRules.CapScopes scopes =
                AutopilotRules.capScopes(tokyo, "Ana@Example.com", "t1", Instant.parse("2026-12-02T20:00:00Z"));

        assertThat(scopes.day()).isEqualTo("day:2026-12-03");
        assertThat(scopes.senderToday()).isEqualTo("sender:ana@example.com:2026-12-03");
        assertThat(scopes.thread()).isEqualTo("thread:t1");
    }
}
