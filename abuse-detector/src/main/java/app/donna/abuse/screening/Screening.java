package app.donna.abuse.screening;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole screening decision for one message: content findings, behaviour findings given the user's
 * recent activity, the verdict, and the activity to remember. Pure: no I/O, no framework types.
 */
public final class Screening {

    /**
     * The verdict, the user's activity after this message, and the message as it may travel on: with card
     * numbers and credentials redacted ({@link SensitiveData#redact}).
     */
    public record Outcome(Verdict verdict, UserActivity activity, String storableText) {}

    private final ContentScreen content;
    private final BehaviourRules behaviour;
    private final Severity blockAt;

    public Screening(ContentScreen content, BehaviourRules behaviour, Severity blockAt) {
        this.content = content;
        this.behaviour = behaviour;
        this.blockAt = blockAt;
    }

    /** Content only, for text without a behaviour history (voice transcripts). */
    public Verdict screenContent(String text) {
        return Verdict.of(content.screen(text), blockAt);
    }

    public Outcome screen(String text, long at, UserActivity activity) {
        List<Finding> findings = new ArrayList<>(content.screen(text));
        String storable = SensitiveData.redact(text);
        if (behaviour.isTooLate(activity, at)) {
            return new Outcome(Verdict.of(findings, blockAt), activity, storable);
        }
        long hash = BehaviourRules.textHash(text);
        findings.addAll(behaviour.assess(activity, at, hash, !findings.isEmpty()));
        Verdict verdict = Verdict.of(findings, blockAt);
        return new Outcome(
                verdict, behaviour.record(activity, at, hash, verdict.decision() != Decision.ALLOW), storable);
    }
}
