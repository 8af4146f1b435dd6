package app.donna.testing;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A minimal server-sent events client over the JDK HTTP client, for tests. */
public final class SseReader implements AutoCloseable {

    public record Event(String id, String name, String data) {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;

    private SseReader(HttpClient http, URI uri, String token, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        if (token != null) { // null: as a browser's EventSource, which sends no Authorization
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAcceptAsync(r -> {
            String id = null;
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (String line : (Iterable<String>) r.body()::iterator) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    id = null;
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        });
    }

    public static SseReader open(HttpClient http, URI uri, String token, String lastEventId) {
        SseReader reader = new SseReader(http, uri, token, lastEventId);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> reader.response.isDone() || !reader.events.isEmpty() || reader.connected());
        return reader;
    }

    private boolean connected() {
        return response.isDone();
    }

    /** Events in order until one matches (inclusive). */
    public List<Event> until(Predicate<Event> last) throws InterruptedException {
        return until(last, Duration.ofSeconds(60));
    }

    /** Events in order until one matches (inclusive), failing if none does within {@code timeout}. */
    public List<Event> until(Predicate<Event> last, Duration timeout) throws InterruptedException {
        List<Event> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Event e = events.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (e != null) {
                seen.add(e);
                if (last.test(e)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("no matching event within " + timeout + "; saw " + seen);
    }

    /** Every event that arrives within {@code quiet}: for asserting that nothing more comes. */
    public List<Event> drain(Duration quiet) throws InterruptedException {
        List<Event> seen = new ArrayList<>();
        long deadline = System.nanoTime() + quiet.toNanos();
        for (long left = quiet.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            Event e = events.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (e != null) {
                seen.add(e);
            }
        }
        return seen;
    }

    @Override
    public void close() {
        response.thenAccept(r -> r.body().close());
        response.cancel(true);
    }
}
