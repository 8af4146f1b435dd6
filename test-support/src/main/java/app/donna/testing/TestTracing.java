package app.donna.testing;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real tracer for a test of one processor or topology: Micrometer Tracing over the OpenTelemetry SDK,
 * as the services run it (W3C propagation, every trace recorded), keeping each finished span in memory.
 */
public final class TestTracing {

    private final Tracer tracer;
    private final Propagator propagator;
    private final List<SpanData> finished = new CopyOnWriteArrayList<>();

    public TestTracing() {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(SimpleSpanProcessor.create(new Keeper()))
                .build();
        io.opentelemetry.api.trace.Tracer otel = provider.get("test");
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        this.tracer = new OtelTracer(otel, current, event -> {}, new OtelBaggageManager(current, List.of(), List.of()));
        this.propagator = new OtelPropagator(propagators, otel);
    }

    public Tracer tracer() {
        return tracer;
    }

    public Propagator propagator() {
        return propagator;
    }

    /** The spans ended so far, in the order they ended. */
    public List<SpanData> finished() {
        return List.copyOf(finished);
    }

    /** The one finished span named {@code name}; fails if there is none or more than one. */
    public SpanData only(String name) {
        List<SpanData> named =
                finished.stream().filter(s -> s.getName().equals(name)).toList();
        if (named.size() != 1) {
            throw new AssertionError("expected one span " + name + ", found " + named.size() + ": " + finished);
        }
        return named.getFirst();
    }

    private final class Keeper implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            finished.addAll(spans);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
