package app.donna.localinfra;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local stand-in for the OpenAI Realtime API over WebSocket ({@code /v1/realtime?model=...}), speaking
 * its event protocol: {@code session.created} on connect, {@code session.update} answered by
 * {@code session.updated}, {@code input_audio_buffer.append}/{@code commit}, the caller's transcript
 * ({@code conversation.item.input_audio_transcription.completed}), and responses as audio deltas, audio
 * transcript deltas and {@code response.done} with token usage; or, when the caller said a phrase scripted
 * with {@link #whenHeard}, a function call ({@code response.function_call_arguments.done}).
 *
 * <p>Its "speech recognition" reads the appended audio bytes as UTF-8 text, so a test speaks by sending
 * text as audio; its "speech" is the answer's text as audio bytes. With {@link #echo(boolean)} it answers
 * every audio chunk at once with the same bytes, for measuring what a relay adds. It can refuse a wrong
 * key, stop reading (a slow model), and drop every call (a dying model). Used by the voice relay's tests,
 * its benchmark, and {@code donna dev} without an OpenAI key.
 */
public final class StandInRealtime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StandInRealtime.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int REMEMBERED_EVENTS = 10_000;
    /** Bytes of answer audio per {@code response.output_audio.delta}. */
    private static final int AUDIO_CHUNK = 16;

    /** A tool the model calls when the caller says {@code phrase}. */
    private record ToolCall(String name, String argumentsJson) {}

    private final String apiKey;
    private final Tomcat tomcat;
    private final Path baseDir;
    private final int port;
    private final Set<Call> calls = ConcurrentHashMap.newKeySet();
    private final Deque<Map<String, Object>> received = new ArrayDeque<>();
    private final Map<String, ToolCall> tools = new ConcurrentHashMap<>();
    /** Transcripts "heard" in real PCM16 audio, by the tone's frequency in hertz. */
    private final Map<Integer, String> tones = new ConcurrentHashMap<>();

    private final AtomicInteger connections = new AtomicInteger();
    private volatile String answer = "Thank you for calling. How can I help?";
    private volatile boolean echo;
    private volatile CountDownLatch reading = new CountDownLatch(0);

    /**
     * Starts on a free local port.
     *
     * @param apiKey the key callers must present as {@code Authorization: Bearer}; null accepts any
     */
    public StandInRealtime(String apiKey) {
        this.apiKey = apiKey;
        try {
            baseDir = Files.createTempDirectory("stand-in-realtime");
            tomcat = new Tomcat();
            tomcat.setBaseDir(baseDir.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            tomcat.setConnector(connector);
            Context context = tomcat.addContext("", baseDir.toString());
            // Tomcat runs filters (the WebSocket upgrade is one) only for a request some servlet is mapped to
            Tomcat.addServlet(context, "nothing-else", new jakarta.servlet.http.HttpServlet() {});
            context.addServletMappingDecoded("/", "nothing-else");
            context.addServletContainerInitializer(new WsSci(), null);
            context.addServletContainerInitializer(
                    (classes, servletContext) -> {
                        ServerContainer container =
                                (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
                        try {
                            container.addEndpoint(ServerEndpointConfig.Builder.create(Call.class, "/v1/realtime")
                                    .configurator(new Calls())
                                    .build());
                        } catch (jakarta.websocket.DeploymentException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    null);
            tomcat.start();
            port = connector.getLocalPort();
        } catch (IOException | LifecycleException e) {
            throw new IllegalStateException("The stand-in Realtime API did not start", e);
        }
    }

    /** Where a client finds it, as an OpenAI base URL ({@code http://127.0.0.1:<port>/v1}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** The WebSocket URL of the Realtime endpoint for {@code model}. */
    public String realtimeUrl(String model) {
        return "ws://127.0.0.1:" + port + "/v1/realtime?model=" + model;
    }

    /** What the model says from now on, when it does not call a tool. */
    public StandInRealtime answering(String text) {
        this.answer = text;
        return this;
    }

    /** When a caller's transcript contains {@code phrase}, the model calls {@code tool} with these arguments. */
    public StandInRealtime whenHeard(String phrase, String tool, String argumentsJson) {
        tools.put(phrase, new ToolCall(tool, argumentsJson));
        return this;
    }

    /**
     * Hears real audio instead of text: the appended audio is read as the Realtime default format (PCM16,
     * little-endian, mono, 24 kHz), and a committed buffer whose sound is mostly a tone near {@code hertz}
     * (within 10%) is transcribed as {@code transcript}; silence or another sound as nothing. A browser
     * test plays a tone through a real microphone pipeline and so proves its audio arrived intact.
     */
    public StandInRealtime hearingTone(int hertz, String transcript) {
        tones.put(hertz, transcript);
        return this;
    }

    /** Answers every audio chunk at once with the same bytes, as one audio delta (for latency benchmarks). */
    public StandInRealtime echo(boolean on) {
        this.echo = on;
        return this;
    }

    /** Stops reading what callers send (a model that has fallen behind), until {@link #resumeReading()}. */
    public void stopReading() {
        reading = new CountDownLatch(1);
    }

    public void resumeReading() {
        reading.countDown();
    }

    /** Closes every call from the model's side, as a failing model would (1011). */
    public void dropAll() {
        for (Call call : calls) {
            call.close(new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "stand-in model failed"));
        }
    }

    /** Calls open now. */
    public int openCalls() {
        return calls.size();
    }

    /** Calls opened since start. */
    public int connectionsAccepted() {
        return connections.get();
    }

    /** The most recent client events received, of every call, in the order they arrived. */
    public List<Map<String, Object>> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The received client events of one type. */
    public List<Map<String, Object>> received(String type) {
        return received().stream().filter(e -> type.equals(e.get("type"))).toList();
    }

    @Override
    public void close() {
        resumeReading();
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            log.warn("The stand-in Realtime API did not stop cleanly", e);
        }
        try (var files = Files.walk(baseDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            log.debug("The stand-in's folder {} was not deleted: {}", baseDir, e.toString());
        }
    }

    /** Makes each call's endpoint, and keeps the handshake's Authorization header for it. */
    private final class Calls extends ServerEndpointConfig.Configurator {
        @Override
        public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
            List<String> authorization = request.getHeaders().get("Authorization");
            config.getUserProperties()
                    .put("authorization", authorization == null || authorization.isEmpty() ? "" : authorization.get(0));
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(new Call(StandInRealtime.this));
        }
    }

    /** One call: its session, its input audio buffer and its conversation. */
    public static final class Call extends Endpoint implements MessageHandler.Whole<String> {

        private final StandInRealtime model;
        private Session socket;
        private final Map<String, Object> session = new LinkedHashMap<>();
        private final StringBuilder heard = new StringBuilder();
        private final Pcm16Ear ear = new Pcm16Ear(24_000);
        private String lastTranscript = "";
        private boolean toolAnswered;

        Call(StandInRealtime model) {
            this.model = model;
        }

        @Override
        public void onOpen(Session socket, EndpointConfig config) {
            this.socket = socket;
            String authorization = String.valueOf(config.getUserProperties().get("authorization"));
            if (model.apiKey != null && !authorization.equals("Bearer " + model.apiKey)) {
                send(error("invalid_api_key", "Incorrect API key provided."));
                close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "invalid_api_key"));
                return;
            }
            model.connections.incrementAndGet();
            model.calls.add(this);
            List<String> modelName = socket.getRequestParameterMap().get("model");
            session.put("type", "realtime");
            session.put("id", "sess_" + UUID.randomUUID());
            session.put("model", modelName == null ? "gpt-realtime" : modelName.get(0));
            session.put("instructions", "");
            session.put("tools", List.of());
            // Tomcat grows a session's message buffer to this size at its first message and keeps it: large
            // enough for the tests' biggest audio chunks, small enough for a thousand calls in a benchmark
            socket.setMaxTextMessageBufferSize(128 * 1024);
            socket.addMessageHandler(this);
            send(Map.of("type", "session.created", "event_id", eventId(), "session", session));
        }

        @Override
        public void onClose(Session socket, CloseReason reason) {
            model.calls.remove(this);
        }

        @Override
        public void onMessage(String text) {
            try {
                model.reading.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> event = JSON.readValue(text, Map.class);
            synchronized (model.received) {
                model.received.addLast(event);
                if (model.received.size() > REMEMBERED_EVENTS) {
                    model.received.removeFirst();
                }
            }
            String type = String.valueOf(event.get("type"));
            switch (type) {
                case "session.update" -> {
                    if (event.get("session") instanceof Map<?, ?> update) {
                        merge(session, update);
                    }
                    send(Map.of("type", "session.updated", "event_id", eventId(), "session", session));
                }
                case "input_audio_buffer.append" -> {
                    String audio = String.valueOf(event.get("audio"));
                    if (model.echo) {
                        send(Map.of(
                                "type",
                                "response.output_audio.delta",
                                "event_id",
                                eventId(),
                                "response_id",
                                "resp_echo",
                                "item_id",
                                "item_echo",
                                "output_index",
                                0,
                                "content_index",
                                0,
                                "delta",
                                audio));
                    } else if (!model.tones.isEmpty()) {
                        ear.hear(Base64.getDecoder().decode(audio));
                    } else {
                        heard.append(new String(Base64.getDecoder().decode(audio), StandardCharsets.UTF_8));
                    }
                }
                case "input_audio_buffer.commit" -> {
                    String itemId = "item_" + UUID.randomUUID();
                    lastTranscript = model.tones.isEmpty() ? heard.toString() : ear.recognise(model.tones);
                    heard.setLength(0);
                    ear.reset();
                    toolAnswered = false;
                    send(Map.of("type", "input_audio_buffer.committed", "event_id", eventId(), "item_id", itemId));
                    send(Map.of(
                            "type",
                            "conversation.item.input_audio_transcription.completed",
                            "event_id",
                            eventId(),
                            "item_id",
                            itemId,
                            "content_index",
                            0,
                            "transcript",
                            lastTranscript));
                    if (session.get("audio") instanceof Map<?, ?> audio
                            && audio.get("input") instanceof Map<?, ?> input
                            && input.get("turn_detection") instanceof Map<?, ?>) {
                        respond();
                    }
                }
                case "conversation.item.create" -> {
                    if (event.get("item") instanceof Map<?, ?> item
                            && "function_call_output".equals(item.get("type"))) {
                        toolAnswered = true;
                    }
                }
                case "response.create" -> respond();
                default -> {
                    // other events change nothing this stand-in keeps
                }
            }
        }

        private void respond() {
            String responseId = "resp_" + UUID.randomUUID();
            String itemId = "item_" + UUID.randomUUID();
            send(Map.of(
                    "type", "response.created",
                    "event_id", eventId(),
                    "response", Map.of("id", responseId, "object", "realtime.response", "status", "in_progress")));
            ToolCall tool = toolAnswered ? null : toolFor(lastTranscript);
            Map<String, Object> item;
            if (tool != null) {
                String callId = "call_" + UUID.randomUUID();
                item = Map.of(
                        "id",
                        itemId,
                        "type",
                        "function_call",
                        "status",
                        "completed",
                        "name",
                        tool.name(),
                        "call_id",
                        callId,
                        "arguments",
                        tool.argumentsJson());
                send(Map.of(
                        "type",
                        "response.function_call_arguments.done",
                        "event_id",
                        eventId(),
                        "response_id",
                        responseId,
                        "item_id",
                        itemId,
                        "output_index",
                        0,
                        "call_id",
                        callId,
                        "name",
                        tool.name(),
                        "arguments",
                        tool.argumentsJson()));
            } else {
                String text = model.answer;
                byte[] speech = text.getBytes(StandardCharsets.UTF_8);
                for (int at = 0; at < speech.length; at += AUDIO_CHUNK) {
                    byte[] chunk = java.util.Arrays.copyOfRange(speech, at, Math.min(speech.length, at + AUDIO_CHUNK));
                    send(delta(
                            "response.output_audio.delta",
                            responseId,
                            itemId,
                            Base64.getEncoder().encodeToString(chunk)));
                    send(delta(
                            "response.output_audio_transcript.delta",
                            responseId,
                            itemId,
                            new String(chunk, StandardCharsets.UTF_8)));
                }
                Map<String, Object> done =
                        new LinkedHashMap<>(delta("response.output_audio_transcript.done", responseId, itemId, null));
                done.remove("delta");
                done.put("transcript", text);
                send(done);
                item = Map.of(
                        "id", itemId,
                        "type", "message",
                        "role", "assistant",
                        "status", "completed",
                        "content", List.of(Map.of("type", "output_audio", "transcript", text)));
            }
            int input = Math.max(1, lastTranscript.length() / 4);
            int output = tool != null ? 12 : Math.max(1, model.answer.length() / 4);
            send(Map.of(
                    "type", "response.done",
                    "event_id", eventId(),
                    "response",
                            Map.of(
                                    "id",
                                    responseId,
                                    "object",
                                    "realtime.response",
                                    "status",
                                    "completed",
                                    "output",
                                    List.of(item),
                                    "usage",
                                    Map.of(
                                            "total_tokens", input + output,
                                            "input_tokens", input,
                                            "output_tokens", output))));
        }

        private ToolCall toolFor(String transcript) {
            for (Map.Entry<String, ToolCall> t : model.tools.entrySet()) {
                if (transcript.contains(t.getKey())) {
                    return t.getValue();
                }
            }
            return null;
        }

        private static Map<String, Object> delta(String type, String responseId, String itemId, String delta) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("type", type);
            event.put("event_id", eventId());
            event.put("response_id", responseId);
            event.put("item_id", itemId);
            event.put("output_index", 0);
            event.put("content_index", 0);
            event.put("delta", delta);
            return event;
        }

        @SuppressWarnings("unchecked")
        private static void merge(Map<String, Object> into, Map<?, ?> update) {
            for (Map.Entry<?, ?> e : update.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (e.getValue() instanceof Map<?, ?> inner && into.get(key) instanceof Map<?, ?> existing) {
                    Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) existing);
                    merge(merged, inner);
                    into.put(key, merged);
                } else {
                    into.put(key, e.getValue());
                }
            }
        }

        private static Map<String, Object> error(String code, String message) {
            return Map.of(
                    "type", "error",
                    "event_id", eventId(),
                    "error", Map.of("type", "invalid_request_error", "code", code, "message", message));
        }

        private static String eventId() {
            return "event_" + UUID.randomUUID();
        }

        private synchronized void send(Map<String, Object> event) {
            try {
                if (socket.isOpen()) {
                    socket.getBasicRemote().sendText(JSON.writeValueAsString(event));
                }
            } catch (IOException | IllegalStateException e) {
                log.debug("The stand-in Realtime API could not send {}: {}", event.get("type"), e.toString());
            }
        }

        void close(CloseReason reason) {
            try {
                socket.close(reason);
            } catch (IOException e) {
                log.debug("Closing a stand-in call failed: {}", e.toString());
            }
        }
    }
}
