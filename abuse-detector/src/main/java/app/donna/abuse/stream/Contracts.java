package app.donna.abuse.stream;

import app.donna.abuse.screening.Decision;
import app.donna.abuse.screening.Finding;
import app.donna.abuse.screening.Verdict;
import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.common.EventSource;
import app.donna.events.common.RiskCategory;
import app.donna.events.common.VerdictReason;
import app.donna.events.email.EmailReceived;
import app.donna.events.voice.VoiceTranscript;
import app.donna.schemas.DerivedIds;
import java.util.List;

/**
 * Maps screening results to the event contracts. Event ids are derived from the event screened, so
 * reprocessing the same input yields the same ids and downstream deduplication holds.
 */
final class Contracts {

    private Contracts() {}

    /** @param text the message with what must not travel further redacted */
    static ChatMessageScreened screened(ChatMessageSubmitted m, String text, Verdict verdict, String rulesVersion) {
        return ChatMessageScreened.newBuilder()
                .setEventId(DerivedIds.of("screened", m.getEventId()))
                .setOccurredAt(m.getOccurredAt())
                .setSessionId(m.getSessionId())
                .setMessageId(m.getMessageId())
                .setUserId(m.getUserId())
                .setAnonymous(m.getAnonymous())
                .setText(text)
                .setVerdict(verdict(verdict, rulesVersion))
                .setSubmittedEventId(m.getEventId())
                .setWorkspaceId(m.getWorkspaceId())
                .build();
    }

    static AbuseFlagged flag(ChatMessageScreened s) {
        return AbuseFlagged.newBuilder()
                .setEventId(DerivedIds.of("flagged", s.getEventId()))
                .setOccurredAt(s.getOccurredAt())
                .setUserId(s.getUserId())
                .setAnonymous(s.getAnonymous())
                .setSource(EventSource.CHAT)
                .setSessionId(s.getSessionId().toString())
                .setMessageId(s.getMessageId().toString())
                .setDecision(s.getVerdict().getDecision())
                .setReasons(s.getVerdict().getReasons())
                .setTriggeringEventId(s.getEventId())
                .build();
    }

    static AbuseFlagged flag(VoiceTranscript t, Verdict verdict) {
        return AbuseFlagged.newBuilder()
                .setEventId(DerivedIds.of("flagged", t.getEventId()))
                .setOccurredAt(t.getOccurredAt())
                .setUserId(t.getUserId())
                .setAnonymous(false)
                .setSource(EventSource.VOICE)
                .setSessionId(t.getVoiceSessionId().toString())
                .setMessageId(t.getItemId())
                .setDecision(decision(verdict.decision()))
                .setReasons(reasons(verdict.findings()))
                .setTriggeringEventId(t.getEventId())
                .build();
    }

    /** The sender of flagged mail, as {@code email:<address>}; the mailbox's owner is the session. */
    static AbuseFlagged flag(EmailReceived mail, Verdict verdict) {
        return AbuseFlagged.newBuilder()
                .setEventId(DerivedIds.of("flagged", mail.getEventId()))
                .setOccurredAt(mail.getOccurredAt())
                .setUserId(EMAIL_SENDER + senderOf(mail.getReplyTo() != null ? mail.getReplyTo() : mail.getFrom()))
                .setAnonymous(true)
                .setSource(EventSource.EMAIL)
                .setSessionId(mail.getUserId())
                .setMessageId(mail.getGmailMessageId())
                .setDecision(decision(verdict.decision()))
                .setReasons(reasons(verdict.findings()))
                .setTriggeringEventId(mail.getEventId())
                .build();
    }

    /** How a flag names the sender of mail: {@code email:} and the bare address, in lower case. */
    public static final String EMAIL_SENDER = "email:";

    /** The bare address of a From header ({@code Name <a@b>} or {@code a@b}). */
    static String senderOf(String header) {
        String h = header == null ? "" : header.strip();
        int open = h.lastIndexOf('<');
        int close = h.lastIndexOf('>');
        String address = open >= 0 && close > open ? h.substring(open + 1, close) : h;
        return address.strip().toLowerCase(java.util.Locale.ROOT);
    }

    static app.donna.events.common.Verdict verdict(Verdict verdict, String rulesVersion) {
        return app.donna.events.common.Verdict.newBuilder()
                .setDecision(decision(verdict.decision()))
                .setReasons(reasons(verdict.findings()))
                .setRulesVersion(rulesVersion)
                .build();
    }

    static app.donna.events.common.Decision decision(Decision decision) {
        return app.donna.events.common.Decision.valueOf(decision.name());
    }

    static List<VerdictReason> reasons(List<Finding> findings) {
        return findings.stream()
                .map(f -> VerdictReason.newBuilder()
                        .setRuleId(f.ruleId())
                        .setCategory(RiskCategory.valueOf(f.category().name()))
                        .setSeverity(app.donna.events.common.Severity.valueOf(
                                f.severity().name()))
                        .setEvidence(f.evidence())
                        .build())
                .toList();
    }
}
