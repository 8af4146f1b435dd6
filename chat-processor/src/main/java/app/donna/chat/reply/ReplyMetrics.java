package app.donna.chat.reply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;

/**
 * What the reply path measures (docs/operations.md "Metrics"): how long the model takes to its first
 * fragment and to the end, what it costs in tokens, and how each reply was made, so a degraded service
 * shows as a share of offline replies before users say so.
 */
public final class ReplyMetrics {

    /** How a reply was made. */
    enum Source {
        /** The model answered. */
        MODEL,
        /** The offline responder answered: no model, circuit open, model failed or too slow (degraded). */
        OFFLINE,
        /** A blocked message got the fixed refusal. */
        REFUSAL
    }

    /** How a model call ended. */
    enum Outcome {
        ANSWERED,
        FAILED,
        /** Given up by its caller: a deadline passed, or the task closed. */
        CANCELLED
    }

    private final MeterRegistry registry;
    private final Timer firstFragment;
    private final Counter inputTokens;
    private final Counter outputTokens;

    public ReplyMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.firstFragment = Timer.builder("donna.chat.model.first.fragment")
                .description("From asking the model to its first fragment")
                .publishPercentileHistogram()
                .register(registry);
        this.inputTokens = tokens(registry, "input");
        this.outputTokens = tokens(registry, "output");
    }

    /** Meters kept nowhere (tests of the reply path alone). */
    public static ReplyMetrics none() {
        return new ReplyMetrics(new CompositeMeterRegistry());
    }

    void firstFragment(Duration sinceAsked) {
        firstFragment.record(sinceAsked);
    }

    void call(Outcome outcome, Duration took) {
        Timer.builder("donna.chat.model.calls")
                .description("Model calls, from asking to the last fragment or the failure")
                .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                .publishPercentileHistogram()
                .register(registry)
                .record(took);
    }

    void tokens(long input, long output) {
        inputTokens.increment(input);
        outputTokens.increment(output);
    }

    void reply(Source source) {
        Counter.builder("donna.chat.replies")
                .description("Replies made, by how: model, offline (degraded) or refusal")
                .tag("source", source.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry)
                .increment();
    }

    private static Counter tokens(MeterRegistry registry, String kind) {
        return Counter.builder("donna.chat.model.tokens")
                .description("Tokens the model read and wrote, as it reported them")
                .tag("kind", kind)
                .baseUnit("tokens")
                .register(registry);
    }
}
