package app.donna.abuse.screening;

import java.util.List;

/** The screening outcome of one message and the findings behind it. */
public record Verdict(Decision decision, List<Finding> findings) {

    public Verdict {
        findings = List.copyOf(findings);
    }

    /**
     * BLOCK when any finding is at least {@code blockAt}, FLAG when there is any finding, else ALLOW.
     */
    public static Verdict of(List<Finding> findings, Severity blockAt) {
        if (findings.isEmpty()) {
            return new Verdict(Decision.ALLOW, findings);
        }
        boolean block = findings.stream().anyMatch(f -> f.severity().atLeast(blockAt));
        return new Verdict(block ? Decision.BLOCK : Decision.FLAG, findings);
    }
}
