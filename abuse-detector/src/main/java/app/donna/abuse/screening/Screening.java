package app.donna.abuse.screening;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The whole screening decision for one message: content findings, behaviour findings given the user's
 * recent activity, the verdict, and what to remember of the message. Pure: no I/O, no framework types.
 */
public final class Screening {

    /**
     * The verdict, what to remember of this message for the user's later ones (empty when it came too late
     * to count), and the message as it may travel on: with card numbers and credentials redacted
     * ({@link SensitiveData#redact}).
     */
    public record Outcome(Verdict verdict, Optional<UserActivity.Entry> remember, String storableText) {}

    private final ContentScreen content;
    private final BehaviourRules behaviour;
    private final Severity blockAt;

    public Screening(ContentScreen content, BehaviourRules behaviour, Severity blockAt) {
        this.content = content;
        this.behaviour = behaviour;
        this.blockAt = blockAt;
    }

    /** How long a user's messages must be remembered: see {@link BehaviourRules.Settings#lookBack()}. */
    public Duration lookBack() {
        return behaviour.settings().lookBack();
    }

    /** Content only, for text without a behaviour history (voice transcripts). */
    public Verdict screenContent(String text) {
        return Verdict.of(content.screen(text), blockAt);
    }

    public Outcome screen(String text, long at, UserActivity activity) {
        List<Finding> findings = new ArrayList<>(content.screen(text));
        String storable = SensitiveData.redact(text);
        if (behaviour.isTooLate(activity, at)) {
            return new Outcome(Verdict.of(findings, blockAt), Optional.empty(), storable);
        }
        long hash = BehaviourRules.textHash(text);
        findings.addAll(behaviour.assess(activity, at, hash, !findings.isEmpty()));
        Verdict verdict = Verdict.of(findings, blockAt);
        return new Outcome(
                verdict, Optional.of(new UserActivity.Entry(at, hash, verdict.decision() != Decision.ALLOW)), storable);
    }
}
