package app.donna.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A caller's client speaking the Realtime API's WebSocket protocol, as a server SDK does (a bearer token)
 * or as a browser does (the {@code openai-insecure-api-key.<token>} subprotocol beside {@code realtime},
 * and an {@code Origin}). It keeps every event it receives, in order, and how the call was closed.
 */
public final class RealtimeCaller implements WebSocket.Listener, AutoCloseable {

    public static final JsonMapper JSON = JsonMapper.builder().build();
    public static final Duration WAIT = Duration.ofSeconds(15);

    /** How the relay closed the call. */
    public record Closed(int code, String reason) {}

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final List<JsonNode> all = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    public final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private WebSocket socket;
    private volatile boolean paused;

    private RealtimeCaller() {}

    /** Connects as a server client: {@code Authorization: Bearer <token>}. */
    public static RealtimeCaller serverClient(URI relay, String token) {
        return serverClient(HttpClient.newHttpClient(), relay, token);
    }

    /** As {@link #serverClient(URI, String)}, through {@code client} (e.g. one that trusts a test certificate). */
    public static RealtimeCaller serverClient(HttpClient client, URI relay, String token) {
        RealtimeCaller caller = new RealtimeCaller();
        caller.socket = client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .connectTimeout(WAIT)
                .buildAsync(relay, caller)
                .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
        return caller;
    }

    /** Connects as a browser on {@code origin}: the token in the subprotocol, beside {@code realtime}. */
    public static RealtimeCaller browser(URI relay, String origin, String token) {
        RealtimeCaller caller = new RealtimeCaller();
        caller.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Origin", origin)
                .subprotocols("realtime", "openai-insecure-api-key." + token)
                .connectTimeout(WAIT)
                .buildAsync(relay, caller)
                .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
        return caller;
    }

    public String subprotocol() {
        return socket.getSubprotocol();
    }

    public void send(Map<String, Object> event) {
        sendText(JSON.writeValueAsString(event));
    }

    public void sendText(String text) {
        socket.sendText(text, true)
                .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
    }

    /** Says {@code words}: the stand-in model "hears" audio bytes as text. */
    public void say(String words) {
        byte[] audio = words.getBytes(StandardCharsets.UTF_8);
        int half = audio.length / 2;
        send(Map.of("type", "input_audio_buffer.append", "audio", base64(audio, 0, half)));
        send(Map.of("type", "input_audio_buffer.append", "audio", base64(audio, half, audio.length)));
        send(Map.of("type", "input_audio_buffer.commit"));
    }

    private static String base64(byte[] bytes, int from, int to) {
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, from, to));
    }

    /** The next event of {@code type}, skipping others (kept in {@link #all()}). */
    public JsonNode next(String type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode event = received.poll(100, TimeUnit.MILLISECONDS);
            if (event != null && type.equals(event.path("type").asString())) {
                return event;
            }
            if (event == null && closed.isDone()) {
                throw new AssertionError(
                        "no " + type + ": the call was closed (" + closed.join() + "); received " + types());
            }
        }
        throw new AssertionError("no " + type + " within " + WAIT + "; received " + types());
    }

    public synchronized List<JsonNode> all() {
        return List.copyOf(all);
    }

    public List<String> types() {
        return all().stream().map(e -> e.path("type").asString()).toList();
    }

    /** Stops reading what the relay sends (a caller on a bad connection), after the message in hand. */
    public void pauseReading() {
        paused = true;
    }

    public void resumeReading() {
        paused = false;
        socket.request(1);
    }

    public Closed awaitClose() {
        return closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JsonNode event = JSON.readTree(partial.toString());
            partial.setLength(0);
            synchronized (this) {
                all.add(event);
            }
            received.add(event);
        }
        if (!paused) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Closed(-1, String.valueOf(error)));
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null);
        }
    }
}
