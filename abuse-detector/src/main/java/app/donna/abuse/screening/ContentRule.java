package app.donna.abuse.screening;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configurable content rule: case-insensitive regular expressions; the first match is the finding.
 */
public record ContentRule(String id, Category category, Severity severity, List<Pattern> patterns) {

    public static ContentRule of(String id, Category category, Severity severity, List<String> regexes) {
        return new ContentRule(
                id,
                category,
                severity,
                regexes.stream()
                        .map(r -> Pattern.compile(r, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE))
                        .toList());
    }

    Optional<Finding> match(String text) {
        for (Pattern pattern : patterns) {
            Matcher m = pattern.matcher(text);
            if (m.find()) {
                return Optional.of(new Finding(id, category, severity, Redaction.excerpt(m.group())));
            }
        }
        return Optional.empty();
    }
}
