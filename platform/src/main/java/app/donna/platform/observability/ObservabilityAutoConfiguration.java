package app.donna.platform.observability;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.sentry.Sentry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Sentry, on only when {@code SENTRY_DSN} (property {@code donna.sentry.dsn}) is set. Metrics go to
 * Prometheus through Micrometer and logs are structured JSON: both are property defaults.
 */
@AutoConfiguration
public class ObservabilityAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ObservabilityAutoConfiguration.class);

    /** Continues traces through Kafka records; spans are no-ops when no tracer is configured. */
    @Bean
    RecordTracing recordTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        return new RecordTracing(
                tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    @Bean
    ErrorReporter errorReporter(
            @Value("${donna.sentry.dsn:}") String dsn,
            @Value("${donna.sentry.environment:production}") String environment,
            @Value("${spring.application.name:donna}") String service) {
        if (dsn.isBlank()) {
            return new ErrorReporter(false);
        }
        if (!Sentry.isEnabled()) {
            Sentry.init(options -> {
                options.setDsn(dsn);
                options.setEnvironment(environment);
                options.setServerName(service);
                options.setSendDefaultPii(false);
            });
        }
        log.info("Sentry error reporting on for {} ({})", service, environment);
        return new ErrorReporter(true);
    }
}
