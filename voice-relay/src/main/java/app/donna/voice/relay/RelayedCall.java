package app.donna.voice.relay;

import app.donna.events.voice.VoiceEndReason;
import app.donna.voice.session.CallSummary;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * One call through the relay: the caller's WebSocket, the model's, and what the relay keeps about the call
 * while it lasts. Messages are passed one at a time in each direction and the next is not read until the
 * current one is written, so a slow caller or a slow model slows the other side down (TCP pushes back)
 * instead of filling the relay's memory; one that stays stuck for the send timeout ends the call.
 */
final class RelayedCall {

    private static final Logger log = LoggerFactory.getLogger(RelayedCall.class);

    /** Who is calling: the token's subject, and whether it is an anonymous visitor's. */
    /**
     * Who is on the call.
     *
     * @param workspaceId the business the call is for: the caller's own when a member, a visitor's token's,
     *                    or the default
     */
    record Caller(String userId, boolean visitor, String workspaceId) {}

    /** How the relay hears of what happens on the model's side, and on which of the call's links. */
    interface Upstream {
        void fromModel(RelayedCall call, ModelLink link, String event);

        void modelClosed(RelayedCall call, ModelLink link, int code, String reason);

        void modelFailed(RelayedCall call, ModelLink link, Throwable error);
    }

    /**
     * One connection to the model. A call has one at a time; when it rolls over, the next is opened and
     * seeded beside the current one and takes over between two turns.
     */
    final class ModelLink implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;
        final long openedNanos = System.nanoTime();
        /** Completed when the model confirmed the pinned session on this link ({@code session.updated}). */
        final CompletableFuture<Void> sessionPinned = new CompletableFuture<>();

        void connected(WebSocket socket) {
            this.socket = socket;
        }

        /** Sends one event and waits until it is written (see {@link RelayedCall#sendToModel}). */
        void send(String event) throws TimeoutException, IOException {
            try {
                socket.sendText(event, true).get(sendTimeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending to the model", e);
            } catch (ExecutionException e) {
                throw new IOException("the model's connection failed: " + e.getCause(), e.getCause());
            }
        }

        /** Closes this connection to the model, politely if it can. */
        void close() {
            WebSocket m = socket;
            if (m == null || m.isOutputClosed()) {
                return;
            }
            try {
                m.sendClose(WebSocket.NORMAL_CLOSURE, "")
                        .orTimeout(1, TimeUnit.SECONDS)
                        .exceptionally(e -> {
                            m.abort();
                            return null;
                        });
            } catch (IllegalStateException e) {
                m.abort(); // a send is still outstanding: the connection is dropped instead
            }
        }

        // java.net.http delivers one message at a time, and the next only after request(1)

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String event = partial.toString();
                partial.setLength(0);
                upstream.fromModel(RelayedCall.this, this, event);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1); // the Realtime API speaks JSON text; nothing binary is relayed
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            upstream.modelClosed(RelayedCall.this, this, statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            upstream.modelFailed(RelayedCall.this, this, error);
        }
    }

    final String voiceSessionId;
    final Caller caller;
    final Instant startedAt;
    final long startedNanos;
    private final WebSocketSession client;
    private final Upstream upstream;
    private final long sendTimeoutNanos;
    private final int messagesPerSecond;
    private final Object toModel = new Object();
    private final Object toCaller = new Object();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile ModelLink model;
    private volatile long lastHeardNanos;
    private long rateWindowStart;
    private int rateWindowCount;
    /** When the caller's last turn ended (commit or response request), for the response latency. */
    volatile long turnEndedNanos;
    /** Latency of each response in flight, measured at its first audio. */
    final Map<String, Long> latencyMs = new ConcurrentHashMap<>();
    /** What was said, carried into the next model session when the call rolls over. */
    final CallSummary summary = new CallSummary();
    /** Whether the model is in the middle of a response, or the caller in the middle of speaking. */
    volatile boolean responding;

    volatile boolean callerSpeaking;
    /** Whether the caller has sent audio the model has not taken as a turn yet. */
    volatile boolean uncommittedAudio;
    /** Whether a next model link is being opened; when the last attempt to roll over failed. */
    volatile boolean rollingOver;

    volatile long rolloverFailedNanos;
    /** When a call being ended by moderation is closed at the latest (0: it is not being ended). */
    volatile long goodbyeByNanos;

    RelayedCall(
            String voiceSessionId,
            Caller caller,
            WebSocketSession client,
            Upstream upstream,
            long sendTimeoutNanos,
            int messagesPerSecond) {
        this.voiceSessionId = voiceSessionId;
        this.caller = caller;
        this.client = client;
        this.upstream = upstream;
        this.sendTimeoutNanos = sendTimeoutNanos;
        this.messagesPerSecond = messagesPerSecond;
        this.startedAt = Instant.now();
        this.startedNanos = System.nanoTime();
        this.lastHeardNanos = startedNanos;
    }

    ModelLink newLink() {
        return new ModelLink();
    }

    /** The link events go to now. */
    ModelLink model() {
        return model;
    }

    /**
     * Makes {@code link} the one events go to, after the event being sent (if any) is written; returns
     * the one it replaces (null for the first).
     */
    ModelLink use(ModelLink link) {
        synchronized (toModel) {
            ModelLink previous = model;
            model = link;
            return previous;
        }
    }

    WebSocketSession client() {
        return client;
    }

    /** Marks the call ended; true only the first time, so each end is recorded once. */
    boolean end() {
        return ended.compareAndSet(false, true);
    }

    boolean ended() {
        return ended.get();
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** What {@link #assemble} returns for a message over the limit. */
    static final String TOO_BIG = new String("too big");

    private final StringBuilder inbound = new StringBuilder();

    /**
     * Adds one part of the caller's current message: the whole message once its last part came, null while
     * more is to come, {@link #TOO_BIG} when it outgrew {@code maxChars}. Parts of one message come on one
     * thread, in order.
     */
    String assemble(String part, boolean last, int maxChars) {
        if (inbound.isEmpty() && last) {
            return part.length() <= maxChars ? part : TOO_BIG;
        }
        if (inbound.length() + part.length() > maxChars) {
            inbound.setLength(0);
            inbound.trimToSize();
            return TOO_BIG;
        }
        inbound.append(part);
        if (!last) {
            return null;
        }
        String message = inbound.toString();
        inbound.setLength(0);
        inbound.trimToSize();
        return message;
    }

    /** Counts a message from the caller; false when it is over the rate (per one-second window). */
    synchronized boolean heard(long now) {
        lastHeardNanos = now;
        if (now - rateWindowStart >= 1_000_000_000L) {
            rateWindowStart = now;
            rateWindowCount = 0;
        }
        return ++rateWindowCount <= messagesPerSecond;
    }

    /**
     * Sends one event to the model and waits until it is written: what stops a caller from sending faster
     * than the model reads (the caller's next message is not read meanwhile).
     *
     * @throws TimeoutException when the model did not take it within the send timeout
     * @throws IOException      when the model's connection failed
     */
    void sendToModel(String event) throws TimeoutException, IOException {
        synchronized (toModel) {
            model.send(event);
        }
    }

    /** Sends one event to the caller, blocking until written (the container's send timeout bounds it). */
    void sendToCaller(String event) throws IOException {
        synchronized (toCaller) {
            client.sendMessage(new TextMessage(event));
        }
    }

    /** Closes both sides; safe to call more than once and from any thread. */
    void hangUp(CloseStatus toCaller) {
        ModelLink m = model;
        if (m != null) {
            m.close();
        }
        if (client.isOpen()) {
            try {
                client.close(toCaller);
            } catch (IOException | IllegalStateException e) {
                log.debug("Voice session {}: closing the caller's side failed: {}", voiceSessionId, e.toString());
            }
        }
    }

    /**
     * The end reason a close on the caller's side means: a hang-up (normal, going away, no status), a
     * frame over the limit, or a connection that failed (abnormal closure, a send that timed out).
     */
    static VoiceEndReason reasonFor(CloseStatus status) {
        int code = status.getCode();
        if (code == CloseStatus.TOO_BIG_TO_PROCESS.getCode()) {
            return VoiceEndReason.LIMIT_REACHED;
        }
        return code == CloseStatus.NORMAL.getCode()
                        || code == CloseStatus.GOING_AWAY.getCode()
                        || code == CloseStatus.NO_STATUS_CODE.getCode()
                ? VoiceEndReason.CLIENT_CLOSED
                : VoiceEndReason.ERROR;
    }
}
