package app.donna.localinfra;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for OpenAI's Chat Completions API, speaking its real HTTP and server-sent-events
 * protocol to the real {@code openai-java} client: {@code POST /v1/chat/completions} with
 * {@code "stream": true} answers {@code text/event-stream} chunks, a usage chunk and {@code [DONE]}.
 * Used by tests and by {@code donna bench chat} (an instantly answering model). Callers script what
 * comes next (an answer in pieces, an error status with {@code Retry-After}, a delay)
 * and read the requests it received.
 */
public final class StandInOpenAi implements AutoCloseable {

    /** What the server does with the next request. */
    public sealed interface Behaviour {
        /** Streams the pieces as separate chunks. */
        record Answer(List<String> pieces) implements Behaviour {
        }

        /** Answers an error status, with Retry-After seconds when given. */
        record Fail(int status, Integer retryAfterSeconds) implements Behaviour {
        }

        /** Waits, then answers like {@code then}. */
        record Delay(long millis, Behaviour then) implements Behaviour {
        }
    }

    private final HttpServer server;
    private final ConcurrentLinkedDeque<Behaviour> script = new ConcurrentLinkedDeque<>();
    /** The most recent requests: a load test sends tens of thousands, which must not pile up here. */
    private static final int REMEMBERED_REQUESTS = 1_000;
    private final Deque<String> requests = new ArrayDeque<>();
    private volatile Behaviour fallback = new Behaviour.Answer(List.of("Hello", " from", " the", " stand-in."));

    public StandInOpenAi() {
        // Each streamed chunk is a small write; without TCP_NODELAY, Nagle's algorithm and delayed ACKs
        // add tens of milliseconds per chunk, which a real API does not.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL to give the client, e.g. {@code http://127.0.0.1:1234/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Queues behaviours for the next requests, in order. */
    public StandInOpenAi then(Behaviour... behaviours) {
        script.addAll(List.of(behaviours));
        return this;
    }

    /** What to do when the script is empty. */
    public StandInOpenAi byDefault(Behaviour behaviour) {
        fallback = behaviour;
        return this;
    }

    /** Request bodies received, oldest first (the last thousand). */
    public List<String> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    public static Behaviour answer(String... pieces) {
        return new Behaviour.Answer(List.of(pieces));
    }

    public static Behaviour fail(int status) {
        return new Behaviour.Fail(status, null);
    }

    public static Behaviour fail(int status, int retryAfterSeconds) {
        return new Behaviour.Fail(status, retryAfterSeconds);
    }

    public static Behaviour delay(long millis, Behaviour then) {
        return new Behaviour.Delay(millis, then);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (requests) {
            requests.addLast(body);
            if (requests.size() > REMEMBERED_REQUESTS) {
                requests.removeFirst();
            }
        }
        Behaviour next = script.pollFirst();
        respond(exchange, next == null ? fallback : next);
    }

    private void respond(HttpExchange exchange, Behaviour behaviour) throws IOException {
        try (exchange) {
            switch (behaviour) {
                case Behaviour.Delay d -> {
                    try {
                        Thread.sleep(d.millis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    respond(exchange, d.then());
                }
                case Behaviour.Fail f -> {
                    byte[] body = ("{\"error\":{\"message\":\"stand-in failure " + f.status()
                            + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}").getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    if (f.retryAfterSeconds() != null) {
                        exchange.getResponseHeaders().add("Retry-After", String.valueOf(f.retryAfterSeconds()));
                    }
                    exchange.sendResponseHeaders(f.status(), body.length);
                    exchange.getResponseBody().write(body);
                }
                case Behaviour.Answer a -> stream(exchange, a.pieces());
            }
        }
    }

    private static void stream(HttpExchange exchange, List<String> pieces) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        long created = System.currentTimeMillis() / 1000;
        String head = "{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"gpt-standin\",";
        event(out, head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]}");
        for (String piece : pieces) {
            event(out, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(piece) + "},"
                    + "\"finish_reason\":null}]}");
        }
        event(out, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        event(out, head + "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":" + pieces.size()
                + ",\"total_tokens\":" + (42 + pieces.size()) + "}}");
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
