package app.donna.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in OpenTelemetry collector: takes OTLP/HTTP trace exports ({@code POST /v1/traces}, protobuf,
 * plain or gzip) as a real collector does, and keeps the spans, so a test can follow one trace across
 * the services that exported it.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One exported span, with the {@code service.name} of the resource that exported it. */
    public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name) {}

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    public OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/traces", this::export);
        server.start();
    }

    /** What {@code management.opentelemetry.tracing.export.otlp.endpoint} is set to. */
    public String tracesEndpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    public List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private void export(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            HexFormat hex = HexFormat.of();
            for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                String service = serviceName(resourceSpans.getResource());
                for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
                    scope.getSpansList()
                            .forEach(span -> spans.add(new ReceivedSpan(
                                    service,
                                    hex.formatHex(span.getTraceId().toByteArray()),
                                    hex.formatHex(span.getSpanId().toByteArray()),
                                    hex.formatHex(span.getParentSpanId().toByteArray()),
                                    span.getName())));
                }
            }
            byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, response.length);
            exchange.getResponseBody().write(response);
        }
    }

    private static String serviceName(Resource resource) {
        return resource.getAttributesList().stream()
                .filter(a -> a.getKey().equals("service.name"))
                .map(KeyValue::getValue)
                .map(v -> v.getStringValue())
                .findFirst()
                .orElse("");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
