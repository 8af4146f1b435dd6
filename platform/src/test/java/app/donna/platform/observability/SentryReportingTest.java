package app.donna.platform.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.tracing.Span;
import io.sentry.Sentry;
import io.sentry.spring.boot4.SentryAutoConfiguration;
import io.sentry.spring.boot4.SentryLogbackAppenderAutoConfiguration;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Sentry as every service gets it (its Spring Boot starter and the platform's defaults): off without a
 * DSN; with one, an error logged on a thread of no HTTP request (a stream thread, the projector) reaches
 * the Sentry server (a local stand-in speaking its envelope protocol) with its exception, its service and
 * the trace it happened in.
 */
class SentryReportingTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        OpenTelemetrySdkAutoConfiguration.class,
        OpenTelemetryTracingAutoConfiguration.class,
        MicrometerTracingAutoConfiguration.class,
        ObservabilityAutoConfiguration.class,
        SentryAutoConfiguration.class,
        SentryLogbackAppenderAutoConfiguration.class
    })
    static class Service {}

    final List<String> envelopes = new CopyOnWriteArrayList<>();
    HttpServer sentry;

    @AfterEach
    void tearDown() {
        Sentry.close();
        if (sentry != null) {
            sentry.stop(0);
        }
    }

    @Test
    void withoutADsnSentryStaysOff() {
        try (ConfigurableApplicationContext context = start()) {
            LoggerFactory.getLogger("app.donna.test").error("nobody hears this", new IllegalStateException("x"));

            assertThat(Sentry.isEnabled()).isFalse();
        }
    }

    @Test
    void anErrorOffTheHttpPathIsReportedWithItsServiceAndTrace() throws Exception {
        sentry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sentry.createContext("/api/42/envelope/", exchange -> {
            envelopes.add(
                    read(exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Encoding")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sentry.start();
        String dsn = "http://publickey@127.0.0.1:" + sentry.getAddress().getPort() + "/42";

        try (ConfigurableApplicationContext context = start("--sentry.dsn=" + dsn)) {
            RecordTracing tracing = context.getBean(RecordTracing.class);
            String[] traceId = {null};
            Thread streamThread = Thread.ofPlatform().name("a-stream-thread").start(() -> {
                Span span = tracing.startChild("chat.screen", new RecordHeaders());
                try (var scope = tracing.inScope(span)) {
                    traceId[0] = span.context().traceId();
                    LoggerFactory.getLogger("app.donna.abuse.stream")
                            .error("Screening failed", new IllegalStateException("the rules are on fire"));
                } finally {
                    span.end();
                }
            });
            streamThread.join();
            Sentry.flush(10_000);

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(envelopes)
                            .anySatisfy(body -> assertThat(body)
                                    .contains("IllegalStateException")
                                    .contains("the rules are on fire")
                                    .contains("\"service\":\"sentry-test\"")
                                    .contains("\"traceId\":\"" + traceId[0] + "\"")));
        }
    }

    private static ConfigurableApplicationContext start(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--spring.main.banner-mode=off";
        all[1] = "--spring.application.name=sentry-test";
        System.arraycopy(args, 0, all, 2, args.length);
        return new SpringApplicationBuilder(Service.class)
                .web(WebApplicationType.NONE)
                .run(all);
    }

    private static String read(InputStream in, String encoding) throws IOException {
        byte[] bytes = in.readAllBytes();
        if ("gzip".equalsIgnoreCase(encoding)) {
            bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
