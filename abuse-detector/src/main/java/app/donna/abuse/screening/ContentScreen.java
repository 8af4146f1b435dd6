package app.donna.abuse.screening;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Screens one text against the configured content rules and the sensitive-data detectors. */
public final class ContentScreen {

    private final List<ContentRule> rules;
    private final SensitiveData sensitiveData;

    public ContentScreen(List<ContentRule> rules, SensitiveData sensitiveData) {
        this.rules = List.copyOf(rules);
        this.sensitiveData = sensitiveData;
    }

    public List<Finding> screen(String text) {
        List<Finding> findings = new ArrayList<>(sensitiveData.scan(text));
        String normalised = normalise(text);
        for (ContentRule rule : rules) {
            Optional<Finding> finding = rule.match(normalised);
            finding.ifPresent(findings::add);
        }
        return findings;
    }

    /**
     * Undoes common evasions before matching: zero-width characters, and letters spaced or dotted apart
     * ("i.g.n.o.r.e") are joined.
     */
    static String normalise(String text) {
        String s = text.replaceAll("[\\u200B-\\u200D\\u2060\\uFEFF]", "");
        s = s.replaceAll("(?<=\\b\\p{L})[.\\-_ ](?=\\p{L}\\b)", "");
        return s;
    }
}
