package app.donna.email.autopilot.rules;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether autopilot answers a mail, and why (not). The rules are tried in order and the first that applies
 * decides; every decision carries its reason, so a user can ask why a mail was (not) answered. What the
 * mail says never enters into it: only who sent it, its headers and labels, the user's settings and the
 * time. The caps (per day, per sender, per thread) are counted where the decisions are kept; a mail that
 * passes these rules is answered only if a cap slot can be taken for it ({@link CapScopes}).
 */
public final class AutopilotRules {

    /** What autopilot may do. */
    public enum Mode {
        OFF,
        DRAFT_ONLY,
        AUTO_SEND
    }

    /** What autopilot does with one mail. */
    public enum Outcome {
        /** Answer it (a draft, or a reply sent at once), if a cap slot is free. */
        REPLY,
        /** Leave it alone. */
        SKIP,
        /** Leave it for a person now (quiet hours). */
        ESCALATE
    }

    /** A decision and its reason. */
    public record Decision(Outcome outcome, String reason) {}

    /**
     * A user's settings.
     *
     * @param perDay    replies a day, at most
     * @param perSender replies to one sender a day, at most
     * @param perThread replies in one thread, ever, at most
     * @param allowed   addresses or {@code @domain}s it may answer; empty: any not denied
     * @param denied    addresses or {@code @domain}s it never answers
     */
    public record Settings(
            Mode mode,
            int perDay,
            int perSender,
            int perThread,
            Optional<LocalTime> quietFrom,
            Optional<LocalTime> quietUntil,
            ZoneId zone,
            List<String> allowed,
            List<String> denied) {

        public Settings {
            allowed = allowed.stream().map(AutopilotRules::normal).toList();
            denied = denied.stream().map(AutopilotRules::normal).toList();
        }

        /** A user who never set anything: autopilot off. */
        public static Settings off() {
            return new Settings(
                    Mode.OFF, 0, 0, 0, Optional.empty(), Optional.empty(), ZoneId.of("UTC"), List.of(), List.of());
        }
    }

    /**
     * A mail, as far as the rules look at it.
     *
     * @param sender             the address a reply would go to, bare
     * @param owner              the mailbox's own address
     * @param automationHeaders  the headers that mark automatic, bulk or list mail, by lower-case name
     * @param labels             Gmail's labels on it
     * @param answeredByPerson   whether a person already replied in its thread
     * @param senderFlagged      whether the abuse detector flagged its sender
     */
    public record Mail(
            String sender,
            String owner,
            Map<String, String> automationHeaders,
            List<String> labels,
            boolean answeredByPerson,
            boolean senderFlagged) {}

    /** The counters a reply takes a slot of: the day's, the sender's that day, the thread's. */
    public record CapScopes(String day, String senderToday, String thread) {}

    private static final Pattern NO_REPLY =
            Pattern.compile("^(no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|notifications?|"
                    + "no_reply|noreply[-+.].*|.*[-+.]noreply)$");
    private static final List<String> FILED_AWAY = List.of("SPAM", "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL");

    private AutopilotRules() {}

    public static Decision decide(Settings settings, Mail mail, Instant now) {
        String sender = normal(mail.sender());
        Map<String, String> headers = mail.automationHeaders();
        if (settings.mode() == Mode.OFF) {
            return skip("autopilot is off");
        }
        if (sender.isEmpty() || !sender.contains("@")) {
            return skip("the mail has no address to answer");
        }
        if (sender.equals(normal(mail.owner()))) {
            return skip("the user's own mail");
        }
        if (matches(settings.denied(), sender)) {
            return skip("the sender is on the deny list");
        }
        if (!settings.allowed().isEmpty() && !matches(settings.allowed(), sender)) {
            return skip("the sender is not on the allow list");
        }
        if (NO_REPLY.matcher(sender.substring(0, sender.indexOf('@'))).matches()) {
            return skip("a no-reply sender");
        }
        String autoSubmitted =
                headers.getOrDefault("auto-submitted", "no").strip().toLowerCase(Locale.ROOT);
        if (!autoSubmitted.equals("no")) {
            return skip("automatic mail (Auto-Submitted: " + autoSubmitted + ")");
        }
        if (headers.containsKey("x-autoreply") || headers.containsKey("x-autorespond")) {
            return skip("an automatic reply");
        }
        String suppress = headers.getOrDefault("x-auto-response-suppress", "").toLowerCase(Locale.ROOT);
        if (suppress.contains("all") || suppress.contains("oof") || suppress.contains("autoreply")) {
            return skip("the sender asks for no automatic replies (X-Auto-Response-Suppress)");
        }
        if (headers.getOrDefault("return-path", "").strip().equals("<>")) {
            return skip("a bounce");
        }
        String precedence = headers.getOrDefault("precedence", "").strip().toLowerCase(Locale.ROOT);
        if (precedence.equals("bulk") || precedence.equals("list") || precedence.equals("junk")) {
            return skip("bulk mail (Precedence: " + precedence + ")");
        }
        if (headers.containsKey("list-id") || headers.containsKey("list-unsubscribe")) {
            return skip("list mail");
        }
        for (String label : FILED_AWAY) {
            if (mail.labels().contains(label)) {
                return skip("Gmail files it under " + label);
            }
        }
        if (mail.answeredByPerson()) {
            return skip("a person already answered this thread");
        }
        if (mail.senderFlagged()) {
            return skip("the abuse detector flagged the sender");
        }
        if (inQuietHours(settings, now)) {
            return new Decision(
                    Outcome.ESCALATE,
                    "quiet hours (" + settings.quietFrom().get() + "–"
                            + settings.quietUntil().get() + " " + settings.zone() + "): left for a person");
        }
        return new Decision(
                Outcome.REPLY,
                settings.mode() == Mode.AUTO_SEND
                        ? "routine mail: a reply is sent"
                        : "routine mail: a draft awaits approval");
    }

    /** The counters a reply at {@code now} takes a slot of, the day in the user's time zone. */
    public static CapScopes capScopes(Settings settings, String sender, String threadId, Instant now) {
        LocalDate day = now.atZone(settings.zone()).toLocalDate();
        return new CapScopes("day:" + day, "sender:" + normal(sender) + ":" + day, "thread:" + threadId);
    }

    static boolean inQuietHours(Settings settings, Instant now) {
        if (settings.quietFrom().isEmpty() || settings.quietUntil().isEmpty()) {
            return false;
        }
        LocalTime t = now.atZone(settings.zone()).toLocalTime();
        LocalTime from = settings.quietFrom().get();
        LocalTime until = settings.quietUntil().get();
        return from.isBefore(until)
                ? !t.isBefore(from) && t.isBefore(until)
                : !t.isBefore(from) || t.isBefore(until); // spans midnight
    }

    private static boolean matches(List<String> entries, String sender) {
        String domain = sender.substring(sender.indexOf('@'));
        return entries.stream().anyMatch(e -> e.equals(sender) || e.equals(domain));
    }

    private static Decision skip(String reason) {
        return new Decision(Outcome.SKIP, reason);
    }

    static String normal(String address) {
        return address == null ? "" : address.strip().toLowerCase(Locale.ROOT);
    }
}
