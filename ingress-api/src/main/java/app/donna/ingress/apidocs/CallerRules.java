package app.donna.ingress.apidocs;

import app.donna.platform.security.PathRule;
import java.util.List;

/**
 * Who may call a documented operation, read from the same settings the security filter chain obeys
 * ({@code donna.security.public-paths} and {@code internal-paths}, as {@code /path/**} or
 * {@code POST /path}), so the description cannot say other than what is enforced.
 */
record CallerRules(List<PathRule> publicPaths, List<PathRule> internalPaths) {

    enum Caller {
        ANYONE,
        SYSTEM,
        PERSON
    }

    static CallerRules of(List<String> publicPaths, List<String> internalPaths) {
        return new CallerRules(
                publicPaths.stream().map(PathRule::parse).toList(),
                internalPaths.stream().map(PathRule::parse).toList());
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
