package app.donna.abuse.screening;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Behaviour over time, per user: too many messages in a sliding window, the same message repeated, and a
 * burst of flagged messages escalating to BLOCK. Windows are in event time and end at the message being
 * judged, so a message that arrives out of order is judged against the messages around its own time.
 * A message older than the user's latest by more than the grace period is too late: it is screened for
 * content only and not remembered, since the history it would need has been let go.
 */
public final class BehaviourRules {

    /**
     * @param rateWindow       window of the message rate
     * @param maxMessages      messages allowed in that window
     * @param repeatWindow     window in which repeats are counted
     * @param maxRepeats       the same text this many times is flagged
     * @param escalationWindow window in which flagged messages are counted
     * @param flagsToBlock     this many flagged messages (this one included) block
     * @param grace            how far out of order a message may arrive and still count
     */
    public record Settings(
            Duration rateWindow,
            int maxMessages,
            Duration repeatWindow,
            int maxRepeats,
            Duration escalationWindow,
            int flagsToBlock,
            Duration grace) {

        /**
         * How far before the latest message the rules can look: the longest window plus the grace period.
         * Older messages can no longer count, so the store keeps a user's messages this long.
         */
        public Duration lookBack() {
            return Collections.max(List.of(rateWindow, repeatWindow, escalationWindow))
                    .plus(grace);
        }
    }

    private final Settings settings;

    public BehaviourRules(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    public boolean isTooLate(UserActivity activity, long at) {
        long latest = activity.latestAt();
        return latest != Long.MIN_VALUE && at < latest - settings.grace().toMillis();
    }

    /**
     * Findings about a message at {@code at} with text hash {@code textHash}, given the user's activity and
     * whether its content was already flagged.
     */
    public List<Finding> assess(UserActivity activity, long at, long textHash, boolean contentFlagged) {
        List<Finding> findings = new ArrayList<>();
        int inRate = 1 + count(activity, at, settings.rateWindow(), e -> true);
        if (inRate > settings.maxMessages()) {
            findings.add(new Finding(
                    "behaviour.rate",
                    Category.RATE,
                    Severity.MEDIUM,
                    inRate + " messages within " + human(settings.rateWindow())));
        }
        int repeats = 1 + count(activity, at, settings.repeatWindow(), e -> e.textHash() == textHash);
        if (repeats >= settings.maxRepeats()) {
            findings.add(new Finding(
                    "behaviour.repetition",
                    Category.REPETITION,
                    Severity.MEDIUM,
                    "the same message " + repeats + " times within " + human(settings.repeatWindow())));
        }
        boolean flaggedNow = contentFlagged || !findings.isEmpty();
        int flagged =
                (flaggedNow ? 1 : 0) + count(activity, at, settings.escalationWindow(), UserActivity.Entry::flagged);
        if (flaggedNow && flagged >= settings.flagsToBlock()) {
            findings.add(new Finding(
                    "behaviour.escalation",
                    Category.ESCALATION,
                    Severity.HIGH,
                    flagged + " flagged messages within " + human(settings.escalationWindow())));
        }
        return findings;
    }

    private static int count(
            UserActivity activity, long at, Duration window, java.util.function.Predicate<UserActivity.Entry> which) {
        long from = at - window.toMillis();
        int n = 0;
        for (UserActivity.Entry e : activity.entries()) {
            if (e.at() > from && e.at() <= at && which.test(e)) {
                n++;
            }
        }
        return n;
    }

    /** A hash of the text as a person reads it: case, spacing and punctuation do not make it new. */
    public static long textHash(String text) {
        String normalised = text.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}]+", " ")
                .strip();
        long h = 1125899906842597L;
        for (int i = 0; i < normalised.length(); i++) {
            h = 31 * h + normalised.charAt(i);
        }
        return h;
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
