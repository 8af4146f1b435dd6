package app.donna.testing;

import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.TestInfo;

/** Topic and group names derived from the running test, so tests sharing a broker never collide. */
public final class UniqueNames {

    private UniqueNames() {}

    public static String of(TestInfo test, String purpose) {
        String method = test.getTestMethod().map(m -> m.getName()).orElse("class");
        String cls = test.getTestClass().map(Class::getSimpleName).orElse("test");
        String base = (cls + "-" + method + "-" + purpose).replaceAll("[^A-Za-z0-9._-]", "-");
        if (base.length() > 180) {
            base = base.substring(0, 180);
        }
        return base.toLowerCase(Locale.ROOT) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
