package app.donna.platform.security;

import java.util.Optional;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * One entry of {@code donna.security.public-paths} or {@code internal-paths}: {@code /path/**}, or
 * {@code METHOD /path} for one method only. The security filter chain matches requests with it, and the API
 * description asks it who may call an operation, so the two read the settings alike.
 *
 * @param method  the one method it applies to; empty: every method
 * @param pattern the path pattern
 */
public record PathRule(Optional<HttpMethod> method, String pattern) {

    public static PathRule parse(String entry) {
        String e = entry.strip();
        int space = e.indexOf(' ');
        return space < 0
                ? new PathRule(Optional.empty(), e)
                : new PathRule(
                        Optional.of(HttpMethod.valueOf(e.substring(0, space))),
                        e.substring(space + 1).strip());
    }

    /** The rule as the filter chain applies it to requests. */
    public RequestMatcher requestMatcher() {
        return method.map(m -> PathPatternRequestMatcher.withDefaults().matcher(m, pattern))
                .orElseGet(() -> PathPatternRequestMatcher.withDefaults().matcher(pattern));
    }

    /** Whether it covers {@code method} on {@code path} (a concrete path, not a template). */
    public boolean matches(String method, String path) {
        PathPattern parsed = PathPatternParser.defaultInstance.parse(pattern);
        return this.method.map(m -> m.name().equalsIgnoreCase(method)).orElse(true)
                && parsed.matches(PathContainer.parsePath(path));
    }
}
