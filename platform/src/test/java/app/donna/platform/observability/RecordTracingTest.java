package app.donna.platform.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.tracing.Span;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * The platform's {@link RecordTracing} on the tracer Spring Boot configures for every service: a record's
 * trace is continued, written back into headers in W3C form, and put on the log lines written in scope.
 */
class RecordTracingTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    /**
     * A service's tracing, started as a Spring application: Boot hooks the tracer's scopes to the logging
     * MDC through an application listener, which only a {@code SpringApplication} runs.
     */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        OpenTelemetrySdkAutoConfiguration.class,
        OpenTelemetryTracingAutoConfiguration.class,
        MicrometerTracingAutoConfiguration.class,
        ObservabilityAutoConfiguration.class
    })
    static class Service {}

    private static void inService(Consumer<RecordTracing> test) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Service.class)
                .web(WebApplicationType.NONE)
                .run("--spring.main.banner-mode=off")) {
            test.accept(context.getBean(RecordTracing.class));
        }
    }

    @Test
    void aRecordsTraceGoesOnInItsSpanItsLogLinesAndTheHeadersWrittenAfterIt() {
        inService(tracing -> {
            RecordHeaders incoming = new RecordHeaders();
            incoming.add("traceparent", ("00-" + TRACE + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));

            Span span = tracing.startChild("work", incoming);
            RecordHeaders outgoing = new RecordHeaders();
            try (var scope = tracing.inScope(span)) {
                assertThat(MDC.get("traceId"))
                        .as("log lines in scope carry the trace")
                        .isEqualTo(TRACE);
                tracing.injectCurrent(outgoing);
            } finally {
                span.end();
            }

            assertThat(span.context().traceId()).isEqualTo(TRACE);
            assertThat(span.context().parentId()).isEqualTo("00f067aa0ba902b7");
            assertThat(new String(outgoing.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .isEqualTo("00-" + TRACE + "-" + span.context().spanId() + "-01");
            assertThat(tracing.traceparent(span))
                    .isEqualTo("00-" + TRACE + "-" + span.context().spanId() + "-01");
            assertThat(MDC.get("traceId")).as("and only those").isNull();
        });
    }

    @Test
    void aRecordWithoutATraceStartsOne() {
        inService(tracing -> {
            Span span = tracing.startChild("work", new RecordHeaders());
            span.end();

            assertThat(span.context().traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
            assertThat(span.context().parentId()).isNull();
        });
    }

    @Test
    void withoutATracerSpansAreNoOps() {
        RecordHeaders headers = new RecordHeaders();
        RecordTracing tracing = RecordTracing.noop();

        Span span = tracing.startChild("work", headers);
        tracing.inject(span, headers);

        assertThat(span.isNoop()).isTrue();
        assertThat(headers.toArray()).isEmpty();
    }
}
