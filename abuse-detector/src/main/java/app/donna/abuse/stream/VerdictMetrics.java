package app.donna.abuse.stream;

import app.donna.abuse.screening.Finding;
import app.donna.abuse.screening.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Counts verdicts ({@code donna.abuse.verdicts}) by channel, decision and category, so an operator sees a
 * wave of one kind of abuse, or a rule that suddenly flags everything, as it starts. A verdict with
 * findings of several categories counts once under each; one without findings counts under {@code none}.
 */
public final class VerdictMetrics {

    private final MeterRegistry registry;

    public VerdictMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Meters kept nowhere (tests of the topology alone). */
    public static VerdictMetrics none() {
        return new VerdictMetrics(new CompositeMeterRegistry());
    }

    void count(String channel, Verdict verdict) {
        Set<String> categories = new TreeSet<>();
        for (Finding finding : verdict.findings()) {
            categories.add(finding.category().name().toLowerCase(Locale.ROOT));
        }
        if (categories.isEmpty()) {
            categories.add("none");
        }
        String decision = verdict.decision().name().toLowerCase(Locale.ROOT);
        for (String category : categories) {
            Counter.builder("donna.abuse.verdicts")
                    .description("Messages screened, by channel, decision and category of finding")
                    .tag("channel", channel)
                    .tag("decision", decision)
                    .tag("category", category)
                    .register(registry)
                    .increment();
        }
    }
}
