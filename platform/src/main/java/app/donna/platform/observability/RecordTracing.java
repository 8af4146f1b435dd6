package app.donna.platform.observability;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Continues a message's trace where no Spring observation does it: in Kafka Streams processors, in the
 * projector's batches, in a reader relaying records to a browser, and across the threads of a model call.
 * The trace travels in each record's W3C {@code traceparent} header (what Spring Kafka's observed templates
 * and listeners write and read), and in a state store as that header's text.
 *
 * <p>Spans are Micrometer Tracing's, so this holds no tracing library of its own: with no tracer (a
 * topology test) every span is a no-op.
 */
public final class RecordTracing {

    public static final String TRACEPARENT = "traceparent";

    private static final RecordTracing NOOP = new RecordTracing(Tracer.NOOP, Propagator.NOOP);

    private final Tracer tracer;
    private final Propagator propagator;

    public RecordTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Spans that are never recorded or propagated (tests of a topology or a processor alone). */
    public static RecordTracing noop() {
        return NOOP;
    }

    /** A started span, child of the trace {@code headers} carry (a new trace if they carry none). */
    public Span startChild(String name, Headers headers) {
        return startChild(name, last(headers, TRACEPARENT));
    }

    /** A started span, child of the trace in a stored {@code traceparent} value (a new trace if null). */
    public Span startChild(String name, String traceparent) {
        if (traceparent == null) {
            return tracer.nextSpan().name(name).start();
        }
        return propagator
                .extract(Map.of(TRACEPARENT, traceparent), Map::get)
                .name(name)
                .start();
    }

    /** A started span, child of {@code parent} (which may live on another thread). */
    public Span startChild(String name, Span parent) {
        return tracer.nextSpan(parent).name(name).start();
    }

    /** Makes {@code span} the current one on this thread (log lines get its trace id) until closed. */
    public Tracer.SpanInScope inScope(Span span) {
        return tracer.withSpan(span);
    }

    /** Replaces the trace {@code headers} carry with {@code span}'s, so the record's readers continue it. */
    public void inject(Span span, Headers headers) {
        inject(span.context(), headers);
    }

    /** Writes the current span's trace into {@code headers}; leaves them as they are when there is none. */
    public void injectCurrent(Headers headers) {
        Span current = tracer.currentSpan();
        if (current != null) {
            inject(current.context(), headers);
        }
    }

    /** The {@code traceparent} of {@code span}, to keep in a state store; null when not propagated. */
    public String traceparent(Span span) {
        String[] value = {null};
        propagator.inject(span.context(), value, (carrier, key, v) -> {
            if (TRACEPARENT.equals(key)) {
                carrier[0] = v;
            }
        });
        return value[0];
    }

    private void inject(TraceContext context, Headers headers) {
        propagator.inject(context, headers, (carrier, key, value) -> {
            carrier.remove(key);
            carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
    }

    private static String last(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
