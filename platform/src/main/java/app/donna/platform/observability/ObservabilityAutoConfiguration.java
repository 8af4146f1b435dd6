package app.donna.platform.observability;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * What every service observes with, beyond the property defaults ({@code donna-platform-defaults.properties}:
 * JSON logs, Prometheus, tracing, and Sentry through its Spring Boot starter, which reports every ERROR
 * log line with its exception and trace id when {@code SENTRY_DSN} is set).
 */
@AutoConfiguration
public class ObservabilityAutoConfiguration {

    /** Continues traces through Kafka records; spans are no-ops when no tracer is configured. */
    @Bean
    RecordTracing recordTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        return new RecordTracing(
                tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }
}
