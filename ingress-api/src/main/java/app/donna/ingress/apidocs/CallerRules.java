package app.donna.ingress.apidocs;

import java.util.List;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Who may call a documented operation, read from the same settings the security filter chain obeys
 * ({@code donna.security.public-paths} and {@code internal-paths}, as {@code /path/**} or
 * {@code POST /path}), so the description cannot say other than what is enforced.
 */
record CallerRules(List<Rule> publicPaths, List<Rule> internalPaths) {

    enum Caller {
        ANYONE,
        SYSTEM,
        PERSON
    }

    record Rule(String method, PathPattern pattern) {

        static Rule parse(String entry) {
            String e = entry.strip();
            int space = e.indexOf(' ');
            return space < 0
                    ? new Rule(null, PathPatternParser.defaultInstance.parse(e))
                    : new Rule(
                            e.substring(0, space),
                            PathPatternParser.defaultInstance.parse(
                                    e.substring(space + 1).strip()));
        }

        boolean matches(String method, String path) {
            return (this.method == null || this.method.equalsIgnoreCase(method))
                    && pattern.matches(PathContainer.parsePath(path));
        }
    }

    static CallerRules of(List<String> publicPaths, List<String> internalPaths) {
        return new CallerRules(
                publicPaths.stream().map(Rule::parse).toList(),
                internalPaths.stream().map(Rule::parse).toList());
    }

    /** Who may call {@code method path}, where path is an OpenAPI template ({@code /a/{id}/b}). */
    Caller callerOf(String method, String template) {
        String path = template.replaceAll("\\{[^}]+}", "x");
        if (publicPaths.stream().anyMatch(r -> r.matches(method, path))) {
            return Caller.ANYONE;
        }
        if (internalPaths.stream().anyMatch(r -> r.matches(method, path))) {
            return Caller.SYSTEM;
        }
        return Caller.PERSON;
    }
}
