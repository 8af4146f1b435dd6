package app.donna.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * A business's webhook receiver on a loopback port, as the action dispatcher's tests need one: it checks
 * each delivery's signature the way a receiver would, keeps every delivery, and answers each with the
 * status the test chooses (by path, by how often that path was called, by whether the signature held).
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One delivery: its path, the headers that matter, its body, and whether its signature verified. */
    public record Delivery(String path, String idempotencyKey, String attempt, String body, boolean signed) {}

    /** The status to answer a delivery with; {@code call} counts the calls to its path, from 1. */
    @FunctionalInterface
    public interface Answer {
        int status(String path, int call, boolean signed);
    }

    private final HttpServer server;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /**
     * @param signatureHeader the header the signature comes in
     * @param verifies        whether a signature header's value signs a body
     * @param answer          the status of each answer
     */
    public WebhookReceiver(String signatureHeader, BiPredicate<String, String> verifies, Answer answer) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean signed = verifies.test(exchange.getRequestHeaders().getFirst(signatureHeader), body);
            deliveries.add(new Delivery(
                    path,
                    exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    exchange.getRequestHeaders().getFirst("Donna-Attempt"),
                    body,
                    signed));
            int call = calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(answer.status(path, call, signed), -1);
            exchange.close();
        });
        server.start();
    }

    /** Its base URL, {@code http://127.0.0.1:<port>}: a webhook is this and a path. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every delivery so far, oldest first. */
    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** The deliveries to {@code path} so far, oldest first. */
    public List<Delivery> deliveriesTo(String path) {
        return deliveries.stream().filter(d -> d.path().equals(path)).toList();
    }

    /** How many deliveries {@code path} has had. */
    public int calls(String path) {
        AtomicInteger count = calls.get(path);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
