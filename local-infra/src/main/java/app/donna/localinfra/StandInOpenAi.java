package app.donna.localinfra;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for OpenAI's Chat Completions API, speaking its real HTTP and server-sent-events
 * protocol to the real {@code openai-java} client: {@code POST /v1/chat/completions} with
 * {@code "stream": true} answers {@code text/event-stream} chunks, a usage chunk and {@code [DONE]}.
 * Used by tests and by {@code donna bench chat} (an instantly answering model). Callers script what
 * comes next (an answer in pieces, a tool call, an error status with {@code Retry-After}, a delay, a model that starts
 * its stream but is slow to write, one that never answers) and read the requests it received.
 */
public final class StandInOpenAi implements AutoCloseable {

    /** What the server does with the next request. */
    public sealed interface Behaviour {
        /** Streams the pieces as separate chunks. */
        record Answer(List<String> pieces) implements Behaviour {}

        /** Answers an error status, with Retry-After seconds when given. */
        record Fail(int status, Integer retryAfterSeconds) implements Behaviour {}

        /** Waits, then answers like {@code then}. */
        record Delay(long millis, Behaviour then) implements Behaviour {}

        /**
         * Starts the stream at once (status, headers, the assistant's empty first chunk) and writes the
         * {@code before} pieces, then only SSE keep-alive comments for {@code millis}, then {@code then}'s
         * pieces: a model slow to its first token, or one that stops in the middle. A client that goes
         * away meanwhile is counted ({@link #clientsGone()}).
         */
        record Stall(List<String> before, long millis, Answer then) implements Behaviour {}

        /** Never answers: not even the status line, until the server closes. */
        record Hang() implements Behaviour {}

        /**
         * A model at a realistic pace: starts the stream at once (status, headers, the assistant's empty
         * first chunk), writes its first piece {@code firstTokenMillis} after the request arrived, then
         * one piece every {@code tokenIntervalMillis}, {@code tokens} pieces in all ({@code piece} each).
         * Each piece is due at a fixed time after the request, so a late write does not delay the rest.
         */
        record Paced(long firstTokenMillis, long tokenIntervalMillis, int tokens, String piece) implements Behaviour {}

        /**
         * Calls a function tool, as a model does when it decides to: streams {@code before} as text, then the
         * call (its id, type and name first, then its arguments a few characters at a time) and finishes
         * with {@code tool_calls}. A request that carries this call's output (a {@code tool} message naming
         * {@code callId}) is answered by {@code then}.
         */
        record CallTool(List<String> before, String callId, String name, String argumentsJson, Behaviour then)
                implements Behaviour {}
    }

    /** How often a stalled stream writes a keep-alive comment, which also finds a client that went away. */
    private static final long KEEP_ALIVE_MILLIS = 50;

    private final HttpServer server;
    private final ConcurrentLinkedDeque<Behaviour> script = new ConcurrentLinkedDeque<>();
    /** The most recent requests: a load test sends tens of thousands, which must not pile up here. */
    private static final int REMEMBERED_REQUESTS = 1_000;

    private final Deque<String> requests = new ArrayDeque<>();
    private volatile Behaviour fallback = new Behaviour.Answer(List.of("Hello", " from", " the", " stand-in."));
    /** In the order registered: the first whose text a request contains answers it. */
    private final Map<String, Behaviour> byText = Collections.synchronizedMap(new LinkedHashMap<>());

    private final CountDownLatch closing = new CountDownLatch(1);
    private final ConcurrentLinkedDeque<Behaviour> secretScript = new ConcurrentLinkedDeque<>();
    private final List<SecretRequest> secretRequests = new ArrayList<>();
    private final AtomicInteger clientsGone = new AtomicInteger();

    public StandInOpenAi() {
        // Each streamed chunk is a small write; without TCP_NODELAY, Nagle's algorithm and delayed ACKs
        // add tens of milliseconds per chunk, which a real API does not.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // named, so a bench tells the stand-in's CPU apart from the stack's
        server.setExecutor(Executors.newCachedThreadPool(
                Thread.ofPlatform().name("stand-in-openai-", 0).daemon().factory()));
        server.createContext("/v1/chat/completions", this::handle);
        server.createContext("/v1/realtime/client_secrets", this::mintClientSecret);
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

    /**
     * What to do with every request whose body contains {@code text} (a question, say), whatever the
     * script: so a test can single out its own conversation among others the server is asked about. A
     * request that contains several such texts (a conversation's later question, with the earlier ones as
     * context) gets the behaviour registered first.
     */
    public StandInOpenAi whenAsked(String text, Behaviour behaviour) {
        byText.put(text, behaviour);
        return this;
    }

    /** What to do when the script is empty. */
    public StandInOpenAi byDefault(Behaviour behaviour) {
        fallback = behaviour;
        return this;
    }

    /**
     * Behaviours for the next Realtime client-secret requests, in order; when none is queued, a secret is
     * minted ({@code ek_} and a random id) living as long as the request asked.
     */
    public StandInOpenAi thenForClientSecrets(Behaviour... behaviours) {
        secretScript.addAll(List.of(behaviours));
        return this;
    }

    /** Realtime client-secret requests received, oldest first: each with its Authorization header. */
    public List<SecretRequest> clientSecretRequests() {
        synchronized (secretRequests) {
            return new ArrayList<>(secretRequests);
        }
    }

    /** One {@code POST /v1/realtime/client_secrets}: who asked (its Authorization header) and for what. */
    public record SecretRequest(String authorization, String body) {}

    /** Request bodies received, oldest first (the last thousand). */
    public List<String> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    /** Stalled or paced streams whose client went away before the answer was written. */
    public int clientsGone() {
        return clientsGone.get();
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

    /** A stream that starts at once but writes its first piece only after {@code millis}. */
    public static Behaviour stall(long millis, String... pieces) {
        return new Behaviour.Stall(List.of(), millis, new Behaviour.Answer(List.of(pieces)));
    }

    /** A stream that writes {@code first} at once, then nothing for {@code millis}, then the rest. */
    public static Behaviour stallAfter(String first, long millis, String... rest) {
        return new Behaviour.Stall(List.of(first), millis, new Behaviour.Answer(List.of(rest)));
    }

    /**
     * A model that answers its first token after {@code firstTokenMillis} and then streams
     * {@code tokensPerSecond} tokens a second, {@code tokens} in all (each a short word).
     */
    public static Behaviour paced(long firstTokenMillis, double tokensPerSecond, int tokens) {
        if (tokensPerSecond <= 0 || tokens < 1) {
            throw new IllegalArgumentException("a paced model needs a positive rate and at least one token");
        }
        return new Behaviour.Paced(firstTokenMillis, Math.round(1000 / tokensPerSecond), tokens, "word ");
    }

    /**
     * A model that calls tool {@code name} with {@code argumentsJson}, and once given the call's output,
     * answers like {@code then}.
     */
    public static Behaviour callTool(String name, String argumentsJson, Behaviour then) {
        return new Behaviour.CallTool(
                List.of(), "call_" + UUID.randomUUID().toString().replace("-", ""), name, argumentsJson, then);
    }

    /** A model that never answers. */
    public static Behaviour hang() {
        return new Behaviour.Hang();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (requests) {
            requests.addLast(body);
            if (requests.size() > REMEMBERED_REQUESTS) {
                requests.removeFirst();
            }
        }
        Behaviour next;
        synchronized (byText) {
            next = byText.entrySet().stream()
                    .filter(e -> body.contains(e.getKey()))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }
        if (next == null) {
            next = script.pollFirst();
        }
        if (next == null) {
            next = fallback;
        }
        while (next instanceof Behaviour.CallTool call && body.contains("\"tool_call_id\":\"" + call.callId() + "\"")) {
            next = call.then(); // the model was given its call's output, and goes on
        }
        respond(exchange, next, arrived);
    }

    private void respond(HttpExchange exchange, Behaviour behaviour, long arrived) throws IOException {
        try (exchange) {
            switch (behaviour) {
                case Behaviour.Delay d -> {
                    try {
                        Thread.sleep(d.millis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    respond(exchange, d.then(), arrived);
                }
                case Behaviour.Fail f -> fail(exchange, f);
                case Behaviour.Answer a -> {
                    OutputStream out = startStream(exchange);
                    pieces(out, a.pieces());
                }
                case Behaviour.Stall st -> {
                    OutputStream out = startStream(exchange);
                    String head = head();
                    try {
                        for (String piece : st.before()) {
                            content(out, head, piece);
                        }
                        for (long waited = 0; waited < st.millis(); waited += KEEP_ALIVE_MILLIS) {
                            if (closing.await(KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS)) {
                                return;
                            }
                            out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    } catch (IOException e) {
                        clientsGone.incrementAndGet();
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    pieces(out, st.then().pieces());
                }
                case Behaviour.Paced p -> {
                    OutputStream out = startStream(exchange);
                    String head = head();
                    try {
                        for (int i = 0; i < p.tokens(); i++) {
                            long due = arrived
                                    + TimeUnit.MILLISECONDS.toNanos(p.firstTokenMillis() + i * p.tokenIntervalMillis());
                            long wait = due - System.nanoTime();
                            if (wait > 0 && closing.await(wait, TimeUnit.NANOSECONDS)) {
                                return;
                            }
                            content(out, head, p.piece());
                        }
                    } catch (IOException e) {
                        clientsGone.incrementAndGet();
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    finish(out, p.tokens());
                }
                case Behaviour.CallTool call -> {
                    OutputStream out = startStream(exchange);
                    String head = head();
                    for (String piece : call.before()) {
                        content(out, head, piece);
                    }
                    event(
                            out,
                            head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
                                    + quote(call.callId()) + ",\"type\":\"function\",\"function\":{\"name\":"
                                    + quote(call.name()) + ",\"arguments\":\"\"}}]},\"finish_reason\":null}]}");
                    String arguments = call.argumentsJson();
                    for (int from = 0; from < arguments.length(); from += 7) {
                        event(
                                out,
                                head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                                        + "\"function\":{\"arguments\":"
                                        + quote(arguments.substring(from, Math.min(arguments.length(), from + 7)))
                                        + "}}]},\"finish_reason\":null}]}");
                    }
                    event(out, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}");
                    event(
                            out,
                            head + "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":9,"
                                    + "\"total_tokens\":51}}");
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                case Behaviour.Hang h -> {
                    try {
                        closing.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    /**
     * OpenAI's {@code POST /v1/realtime/client_secrets}: answers as the API does, {@code value},
     * {@code expires_at} (epoch seconds, the request's {@code expires_after.seconds} from now, 600 by
     * default) and the session, echoing the requested model; or as a queued behaviour says (a failure
     * status, a delay, a hang).
     */
    private void mintClientSecret(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (secretRequests) {
            secretRequests.add(new SecretRequest(exchange.getRequestHeaders().getFirst("Authorization"), body));
        }
        Behaviour next = secretScript.pollFirst();
        try (exchange) {
            while (next instanceof Behaviour.Delay d) {
                if (closing.await(d.millis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                next = d.then();
            }
            if (next instanceof Behaviour.Hang) {
                closing.await();
                return;
            }
            if (next instanceof Behaviour.Fail f) {
                fail(exchange, f);
                return;
            }
            long seconds = firstNumberAfter(body, "\"seconds\":", 600);
            Matcher model = Pattern.compile("\"model\":\"([^\"]*)\"").matcher(body);
            String session = "{\"type\":\"realtime\",\"object\":\"realtime.session\",\"id\":\"sess_"
                    + UUID.randomUUID().toString().replace("-", "") + "\",\"model\":\""
                    + (model.find() ? model.group(1) : "gpt-realtime") + "\",\"expires_at\":0}";
            respondJson(
                    exchange,
                    200,
                    "{\"value\":\"ek_" + UUID.randomUUID().toString().replace("-", "") + "\",\"expires_at\":"
                            + (System.currentTimeMillis() / 1000 + seconds) + ",\"session\":" + session + "}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long firstNumberAfter(String body, String key, long otherwise) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "(\\d+)").matcher(body);
        return m.find() ? Long.parseLong(m.group(1)) : otherwise;
    }

    /** An API error as OpenAI answers one, with {@code Retry-After} when the behaviour gives it. */
    private static void fail(HttpExchange exchange, Behaviour.Fail f) throws IOException {
        if (f.retryAfterSeconds() != null) {
            exchange.getResponseHeaders().add("Retry-After", String.valueOf(f.retryAfterSeconds()));
        }
        respondJson(
                exchange,
                f.status(),
                "{\"error\":{\"message\":\"stand-in failure " + f.status()
                        + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
    }

    private static void respondJson(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The status, the headers and the assistant's empty first chunk, as OpenAI starts a stream. */
    private static OutputStream startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        event(
                out,
                head() + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"finish_reason\":null}]}");
        return out;
    }

    private static String head() {
        return "{\"id\":\"chatcmpl-standin\",\"object\":\"chat.completion.chunk\",\"created\":"
                + System.currentTimeMillis() / 1000 + ",\"model\":\"gpt-standin\",";
    }

    /** The pieces as chunks, then the finish, the usage and {@code [DONE]}. */
    private static void pieces(OutputStream out, List<String> pieces) throws IOException {
        String head = head();
        for (String piece : pieces) {
            content(out, head, piece);
        }
        finish(out, pieces.size());
    }

    /** The finish, the usage and {@code [DONE]}, after {@code tokens} pieces. */
    private static void finish(OutputStream out, int tokens) throws IOException {
        String head = head();
        event(out, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        event(
                out,
                head + "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":" + tokens
                        + ",\"total_tokens\":" + (42 + tokens) + "}}");
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void content(OutputStream out, String head, String piece) throws IOException {
        event(
                out,
                head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(piece) + "},"
                        + "\"finish_reason\":null}]}");
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
        closing.countDown();
        server.stop(0);
    }
}
