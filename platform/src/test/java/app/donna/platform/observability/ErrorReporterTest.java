package app.donna.platform.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sentry.Sentry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sentry is off without a DSN; with one, errors reach the Sentry server (here a local stand-in). */
class ErrorReporterTest {

    HttpServer sentry;

    @AfterEach
    void tearDown() {
        Sentry.close();
        if (sentry != null) {
            sentry.stop(0);
        }
    }

    @Test
    void withoutADsnNothingIsSent() {
        ErrorReporter reporter = new ObservabilityAutoConfiguration().errorReporter("", "test", "svc");

        reporter.report(new IllegalStateException("nobody hears this"));

        assertThat(reporter.enabled()).isFalse();
        assertThat(Sentry.isEnabled()).isFalse();
    }

    @Test
    void withADsnAnErrorIsSentToSentry() throws Exception {
        List<String> envelopes = new CopyOnWriteArrayList<>();
        sentry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sentry.createContext("/api/42/envelope/", exchange -> {
            envelopes.add(
                    read(exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Encoding")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sentry.start();
        String dsn = "http://publickey@127.0.0.1:" + sentry.getAddress().getPort() + "/42";
        ErrorReporter reporter = new ObservabilityAutoConfiguration().errorReporter(dsn, "test", "platform-test");

        reporter.report(new IllegalStateException("the database is on fire"));
        Sentry.flush(10_000);

        assertThat(reporter.enabled()).isTrue();
        assertThat(envelopes)
                .anySatisfy(body -> assertThat(body)
                        .contains("IllegalStateException")
                        .contains("the database is on fire")
                        .contains("platform-test"));
    }

    private static String read(InputStream in, String encoding) throws IOException {
        byte[] bytes = in.readAllBytes();
        if ("gzip".equalsIgnoreCase(encoding)) {
            bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
