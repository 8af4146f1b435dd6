package app.donna.voice.relay;

import app.donna.events.voice.VoiceEndReason;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTransport;
import app.donna.platform.workspace.Membership;
import app.donna.platform.workspace.WorkspaceDirectory;
import app.donna.platform.workspace.WorkspaceIdentity;
import app.donna.voice.session.ClientEventReview;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.SubProtocolCapable;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.standard.StandardWebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The relay's WebSocket endpoint, speaking the OpenAI Realtime interface ({@code /v1/realtime}): for each
 * caller it opens the model's connection with the server's key, pins the session, and passes events both
 * ways, reviewing what the caller sends ({@link ClientEventReview}) and tapping what happens into
 * {@code donna.voice.events} ({@link CallTap}). The caller's token was checked during the handshake by the
 * platform's security (an {@code Authorization} header, or the subprotocol browsers use).
 *
 * <p>Close codes: 1008 for a broken rule (no person's token, over the message rate, a moderation decision),
 * 1009 for a message over {@code max-frame-bytes}, 1013 when the caller has too many calls open or voice is offline,
 * 1011 when the model failed or could not be reached, 1000 when the call ends by time (idle, maximum
 * length). Each carries a reason a person can read. Before the model's session reaches
 * {@code rollover-after}, the call moves to a fresh one seeded with what was said ({@link #rollOver}).
 */
@Component
class RealtimeRelay extends AbstractWebSocketHandler
        implements SubProtocolCapable, RelayedCall.Upstream, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RealtimeRelay.class);

    /** How long a call ended by moderation has to say goodbye. */
    static final Duration GOODBYE_WAIT = Duration.ofSeconds(8);

    static final String GOODBYE =
            "Politely tell the caller that you cannot continue this call, and say goodbye. Say nothing else.";

    /** How long a rollover waits for a moment when neither side is speaking. */
    static final Duration QUIET_WAIT = Duration.ofSeconds(10);

    /** How long after a failed rollover the next attempt is made. */
    static final Duration RETRY_ROLLOVER = Duration.ofSeconds(5);

    /** Tomcat's per-session bound on a blocking send; the relay sends to callers that way. */
    static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final VoiceRelaySettings settings;
    private final VoiceRelaySettings.Relay limits;
    private final CallTap tap;
    private final JsonMapper json;
    private final WorkspaceIdentity identity;
    private final WorkspaceDirectory workspaces;
    private final ExecutorService modelThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient models;
    private final Map<String, RelayedCall> calls = new ConcurrentHashMap<>();
    private final Map<String, Integer> openPerCaller = new ConcurrentHashMap<>();
    /** Callers a BLOCK verdict bars from calling, until when. */
    private final Map<String, Instant> barredUntil = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "voice-relay-timer");
        t.setDaemon(true);
        return t;
    });
    private final MeterRegistry meters;
    private final Counter trimmed;
    private final Counter rollovers;

    /** Whose daily model budget is spent today: their calls are refused until the day ends. */
    private final app.donna.platform.budget.TokenBudget budgets;

    RealtimeRelay(
            VoiceRelaySettings settings,
            CallTap tap,
            JsonMapper json,
            MeterRegistry meters,
            WorkspaceIdentity identity,
            WorkspaceDirectory workspaces) {
        this.identity = identity;
        this.workspaces = workspaces;
        this.budgets = workspaces.budgets(java.time.Clock.systemUTC());
        this.settings = settings;
        this.limits = settings.relay();
        this.tap = tap;
        this.json = json;
        this.meters = meters;
        this.models = HttpClient.newBuilder()
                .executor(modelThreads)
                .connectTimeout(limits.connectTimeout())
                .build();
        this.trimmed = Counter.builder("donna.voice.client.events.trimmed")
                .description(
                        "Caller events the relay trimmed or refused because they tried to change the pinned session")
                .register(meters);
        this.rollovers = Counter.builder("donna.voice.calls.rollovers")
                .description("Calls moved to a fresh model session before the current one reached its length")
                .register(meters);
        Gauge.builder("donna.voice.calls.active", calls, Map::size)
                .description("Calls through this relay now")
                .register(meters);
        timer.scheduleWithFixedDelay(this::endOverdueCalls, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Messages arrive in parts, put together here up to {@code max-frame-bytes}: the container then needs
     * only a small buffer per call (it keeps one of its maximum message size for each session), so an idle
     * call costs little however large a message may be.
     */
    @Override
    public boolean supportsPartialMessages() {
        return true;
    }

    @Override
    public List<String> getSubProtocols() {
        return List.of("realtime");
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession client) {
        if (client instanceof StandardWebSocketSession standard) {
            standard.getNativeSession()
                    .getUserProperties()
                    .put(TOMCAT_BLOCKING_SEND_TIMEOUT, limits.sendTimeout().toMillis());
        }
        RelayedCall.Caller caller = callerOf(client.getPrincipal());
        if (caller == null) {
            refuse(
                    client,
                    "no-person",
                    CloseStatus.POLICY_VIOLATION.withReason("A user's or visitor's token is required."));
            return;
        }
        if (!settings.online()) {
            refuse(
                    client,
                    "offline",
                    CloseStatus.SERVICE_OVERLOAD.withReason("Voice is offline here: no OpenAI API key is configured."));
            return;
        }
        Instant barred = barredUntil.get(caller.userId());
        if (barred != null && barred.isAfter(Instant.now())) {
            refuse(
                    client,
                    "barred",
                    CloseStatus.POLICY_VIOLATION.withReason("Calls from you are refused until "
                            + barred.truncatedTo(ChronoUnit.SECONDS) + " after a moderation decision."));
            return;
        }
        var spent = budgets.spent(caller.workspaceId(), caller.userId());
        if (spent.isPresent()) {
            refuse(
                    client,
                    "budget-spent",
                    CloseStatus.SERVICE_OVERLOAD.withReason("Voice is offline until midnight UTC: today's model budget"
                            + " of this " + spent.get().scope() + " is spent."));
            return;
        }
        int allowed = caller.visitor() ? limits.callsPerVisitor() : limits.callsPerUser();
        if (!reserve(caller, allowed)) {
            refuse(
                    client,
                    "too-many-calls",
                    CloseStatus.SERVICE_OVERLOAD.withReason("Too many calls open: at most " + allowed + " at once."));
            return;
        }
        RelayedCall call = new RelayedCall(
                UUID.randomUUID().toString(),
                caller,
                client,
                this,
                limits.sendTimeout().toNanos(),
                limits.messagesPerSecond());
        calls.put(client.getId(), call);
        try {
            RelayedCall.ModelLink link = call.newLink();
            call.use(link); // before it opens: the model's greeting (session.created) is the caller's
            open(call, link, "");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Voice session {}: the model could not be reached: {}", call.voiceSessionId, e.toString());
            calls.remove(client.getId());
            call.end();
            release(caller);
            meters.counter("donna.voice.calls.refused", "reason", "model-unreachable")
                    .increment();
            call.hangUp(CloseStatus.SERVER_ERROR.withReason("The voice model could not be reached; please try again."));
            return;
        }
        log.info(
                "Voice session {} started for {} {}",
                call.voiceSessionId,
                caller.visitor() ? "visitor" : "user",
                caller.userId());
        tap.record(
                call,
                VoiceSessionStarted.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(call.startedAt.truncatedTo(ChronoUnit.MILLIS))
                        .setVoiceSessionId(UUID.fromString(call.voiceSessionId))
                        .setUserId(caller.userId())
                        .setModel(settings.model())
                        .setVoice(settings.voice())
                        .setTransport(VoiceTransport.WEBSOCKET)
                        .setWorkspaceId(caller.workspaceId())
                        .build());
    }

    @Override
    protected void handleTextMessage(WebSocketSession client, TextMessage part) {
        RelayedCall call = calls.get(client.getId());
        if (call == null || call.ended() || call.goodbyeByNanos != 0) {
            return; // a call being ended by moderation hears nothing more from the caller
        }
        String text = call.assemble(part.getPayload(), part.isLast(), limits.maxFrameBytes());
        if (text == RelayedCall.TOO_BIG) {
            end(
                    call,
                    VoiceEndReason.LIMIT_REACHED,
                    "a message over " + limits.maxFrameBytes() + " bytes",
                    CloseStatus.TOO_BIG_TO_PROCESS.withReason(
                            "Message too big: at most " + limits.maxFrameBytes() + " bytes."));
            return;
        }
        if (text == null) {
            return; // more of the message to come
        }
        if (!call.heard(System.nanoTime())) {
            end(
                    call,
                    VoiceEndReason.LIMIT_REACHED,
                    null,
                    CloseStatus.POLICY_VIOLATION.withReason(
                            "Too many messages: at most " + limits.messagesPerSecond() + " per second."));
            return;
        }
        String type = EventTypes.typeOf(json, text);
        if (type == null) {
            tell(call, null, "invalid_event", "Each message must be a JSON event with a type.");
            return;
        }
        String forward = text;
        if (!ClientEventReview.passesAsIs(type)) {
            Map<String, Object> event;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> parsed = json.readValue(text, Map.class);
                event = parsed;
            } catch (JacksonException e) {
                tell(call, null, "invalid_event", "The event is not valid JSON.");
                return;
            }
            switch (ClientEventReview.review(event)) {
                case ClientEventReview.Outcome.Forward f when f.removed().isEmpty() -> {}
                case ClientEventReview.Outcome.Forward f -> {
                    trimmed.increment();
                    log.warn(
                            "Voice session {}: a {} from {} tried to change what the server pins ({}); sent on without it",
                            call.voiceSessionId,
                            type,
                            call.caller.userId(),
                            String.join(", ", f.removed()));
                    forward = json.writeValueAsString(f.event());
                }
                case ClientEventReview.Outcome.Refuse r -> {
                    trimmed.increment();
                    log.warn("Voice session {}: refused a {}: {}", call.voiceSessionId, type, r.reason());
                    tell(call, event.get("event_id"), "refused_by_relay", r.reason());
                    return;
                }
            }
        }
        switch (type) {
            case "response.create" -> {
                call.turnEndedNanos = System.nanoTime();
                call.responding = true;
            }
            case "input_audio_buffer.append" -> call.uncommittedAudio = true;
            default -> {
                // nothing the relay keeps track of
            }
        }
        toModel(call, forward);
    }

    @Override
    protected void handleBinaryMessage(WebSocketSession client, BinaryMessage message) {
        RelayedCall call = calls.get(client.getId());
        if (call != null) {
            end(
                    call,
                    VoiceEndReason.ERROR,
                    "the caller sent a binary frame",
                    CloseStatus.NOT_ACCEPTABLE.withReason(
                            "This relay speaks the Realtime API's JSON events, as text."));
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession client, CloseStatus status) {
        RelayedCall call = calls.get(client.getId());
        if (call != null) {
            VoiceEndReason reason = RelayedCall.reasonFor(status);
            String error = switch (reason) {
                case LIMIT_REACHED -> status.getReason();
                case ERROR -> "the caller's connection failed (" + status.getCode() + " " + status.getReason() + ")";
                default -> null;
            };
            end(call, reason, error, status);
        }
    }

    @Override
    public void handleTransportError(WebSocketSession client, Throwable error) {
        log.debug("Voice relay: the caller's connection {} failed: {}", client.getId(), error.toString());
    }

    /**
     * Opens a connection to the model for {@code call} with the server's key and sends the pinned session,
     * with {@code carriedOver} (what was said so far) added to its instructions when the call rolls over.
     */
    private void open(RelayedCall call, RelayedCall.ModelLink link, String carriedOver) throws Exception {
        WebSocket model = models.newWebSocketBuilder()
                .header("Authorization", "Bearer " + settings.apiKey())
                .connectTimeout(limits.connectTimeout())
                .buildAsync(settings.realtimeUri(), link)
                .get(limits.connectTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        link.connected(model);
        link.send(sessionUpdate(call, carriedOver));
    }

    /**
     * The pinned session as a {@code session.update}, speaking for the call's workspace, its instructions
     * followed by {@code carriedOver}.
     */
    private String sessionUpdate(RelayedCall call, String carriedOver) {
        Map<String, Object> session =
                new LinkedHashMap<>(settings.pinnedSession(workspaces.persona(call.caller.workspaceId()))
                        .asRealtimeSession());
        session.put("instructions", session.get("instructions") + carriedOver);
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("type", "session.update");
        update.put("event_id", "donna_pinned_session");
        update.put("session", session);
        return json.writeValueAsString(update);
    }

    /**
     * Rolls a call over to a fresh model session before the current one reaches its length: opens and
     * seeds the next connection beside the current one, waits for a quiet moment (no response coming or
     * playing, the caller not speaking, no audio sent but not yet taken as a turn; at most
     * {@link #QUIET_WAIT}), then sends the caller's next events to the
     * new one and closes the old. The caller's connection is never touched: they hear no gap.
     */
    private void rollOver(RelayedCall call) {
        long began = System.nanoTime();
        RelayedCall.ModelLink next = call.newLink();
        try {
            open(call, next, call.summary.carriedOver());
            // its session events are not passed on: it takes over only once the model confirmed the session
            next.sessionPinned.get(limits.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            long quietBy = System.nanoTime() + QUIET_WAIT.toNanos();
            while ((call.responding || call.callerSpeaking || call.uncommittedAudio)
                    && System.nanoTime() < quietBy
                    && !call.ended()) {
                Thread.sleep(20);
            }
            if (call.ended()) {
                next.close();
                return;
            }
            RelayedCall.ModelLink previous = call.use(next);
            previous.close();
            rollovers.increment();
            log.info(
                    "Voice session {} rolled over to a new model session in {} ms",
                    call.voiceSessionId,
                    (System.nanoTime() - began) / 1_000_000);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            next.close();
            call.rolloverFailedNanos = System.nanoTime();
            log.warn(
                    "Voice session {}: rolling over failed, the call goes on as it is: {}",
                    call.voiceSessionId,
                    e.toString());
        } finally {
            call.rollingOver = false;
        }
    }

    /**
     * A BLOCK verdict on {@code userId} (from chat or a call): new calls are refused until {@code until}, and
     * a live call is ended politely: the model is asked to say goodbye, the caller is no longer heard, and
     * the call closes after that response (or {@link #GOODBYE_WAIT}) with 1008.
     */
    void blocked(String userId, Instant until, String source) {
        if (!until.isAfter(Instant.now())) {
            return;
        }
        barredUntil.merge(userId, until, (a, b) -> a.isAfter(b) ? a : b);
        for (RelayedCall call : calls.values()) {
            if (call.caller.userId().equals(userId) && call.goodbyeByNanos == 0 && !call.ended()) {
                log.warn(
                        "Voice session {}: a BLOCK verdict ({}) on {} ends the call",
                        call.voiceSessionId,
                        source,
                        userId);
                meters.counter("donna.voice.calls.moderated").increment();
                call.goodbyeByNanos = System.nanoTime() + GOODBYE_WAIT.toNanos();
                toModel(call, "{\"type\":\"response.cancel\"}");
                toModel(
                        call,
                        json.writeValueAsString(Map.of(
                                "type", "response.create",
                                "event_id", "donna_goodbye",
                                "response", Map.of("instructions", GOODBYE))));
            }
        }
    }

    // The model's side.

    @Override
    public void fromModel(RelayedCall call, RelayedCall.ModelLink link, String event) {
        String type = EventTypes.typeOf(json, event);
        if ("session.updated".equals(type)) {
            link.sessionPinned.complete(null);
        }
        if (link != call.model()) {
            return; // a link being opened (its session events) or one just replaced: not the caller's
        }
        if (type != null) {
            tap.heardFromModel(call, type, event);
        }
        try {
            call.sendToCaller(event);
        } catch (IOException | IllegalStateException e) {
            end(call, VoiceEndReason.ERROR, "the caller's connection failed: " + e, CloseStatus.SERVER_ERROR);
            return;
        }
        if (call.goodbyeByNanos != 0 && "response.done".equals(type) && !event.contains("\"cancelled\"")) {
            end(call, VoiceEndReason.LIMIT_REACHED, "ended by moderation", ENDED_BY_MODERATION);
            return;
        }
        if ("response.function_call_arguments.done".equals(type)) {
            tap.answerTool(call, event).forEach(answer -> toModel(call, answer));
        }
    }

    @Override
    public void modelClosed(RelayedCall call, RelayedCall.ModelLink link, int code, String reason) {
        if (link != call.model()) {
            return;
        }
        log.info("Voice session {}: the model closed the call ({} {})", call.voiceSessionId, code, reason);
        end(
                call,
                VoiceEndReason.UPSTREAM_CLOSED,
                code == WebSocket.NORMAL_CLOSURE ? null : code + " " + reason,
                new CloseStatus(CloseStatus.SERVER_ERROR.getCode(), "The voice model ended the call."));
    }

    @Override
    public void modelFailed(RelayedCall call, RelayedCall.ModelLink link, Throwable error) {
        if (link != call.model()) {
            log.debug("Voice session {}: a model link not in use failed: {}", call.voiceSessionId, error.toString());
            return;
        }
        log.warn("Voice session {}: the model's connection failed: {}", call.voiceSessionId, error.toString());
        end(
                call,
                VoiceEndReason.ERROR,
                "the model's connection failed: " + error,
                CloseStatus.SERVER_ERROR.withReason("The connection to the voice model failed."));
    }

    private void toModel(RelayedCall call, String event) {
        try {
            call.sendToModel(event);
        } catch (TimeoutException e) {
            end(
                    call,
                    VoiceEndReason.ERROR,
                    "the model did not take an event within " + limits.sendTimeout(),
                    CloseStatus.SERVER_ERROR.withReason("The voice model is not keeping up; please call again."));
        } catch (IOException e) {
            end(
                    call,
                    VoiceEndReason.ERROR,
                    e.getMessage(),
                    CloseStatus.SERVER_ERROR.withReason("The connection to the voice model failed."));
        }
    }

    /** Sends the caller an {@code error} event, as the Realtime API reports a refused event. */
    private void tell(RelayedCall call, Object clientEventId, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "invalid_request_error");
        error.put("code", code);
        error.put("message", message);
        if (clientEventId != null) {
            error.put("event_id", clientEventId);
        }
        try {
            call.sendToCaller(json.writeValueAsString(
                    Map.of("type", "error", "event_id", "relay_" + UUID.randomUUID(), "error", error)));
        } catch (IOException | IllegalStateException e) {
            end(call, VoiceEndReason.ERROR, "the caller's connection failed: " + e, CloseStatus.SERVER_ERROR);
        }
    }

    /** Ends a call once: records why, frees the caller's slot and closes both sides. */
    private void end(RelayedCall call, VoiceEndReason reason, String error, CloseStatus toCaller) {
        if (!call.end()) {
            return;
        }
        calls.remove(call.client().getId());
        release(call.caller);
        long durationMs = (System.nanoTime() - call.startedNanos) / 1_000_000;
        log.info(
                "Voice session {} ended after {} ms: {}{}",
                call.voiceSessionId,
                durationMs,
                reason,
                error == null ? "" : " (" + error + ")");
        tap.record(
                call,
                VoiceSessionEnded.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .setVoiceSessionId(UUID.fromString(call.voiceSessionId))
                        .setUserId(call.caller.userId())
                        .setReason(reason)
                        .setDurationMs(durationMs)
                        .setError(error)
                        .build());
        call.hangUp(toCaller);
    }

    /** Ends calls that went quiet or ran out of time; runs every second. */
    private void endOverdueCalls() {
        long now = System.nanoTime();
        Instant wallClock = Instant.now();
        barredUntil.values().removeIf(until -> !until.isAfter(wallClock));
        for (RelayedCall call : calls.values()) {
            try {
                if (call.goodbyeByNanos != 0 && now - call.goodbyeByNanos >= 0) {
                    end(call, VoiceEndReason.LIMIT_REACHED, "ended by moderation", ENDED_BY_MODERATION);
                } else if (now - call.startedNanos >= limits.maxCallLength().toNanos()) {
                    end(
                            call,
                            VoiceEndReason.LIMIT_REACHED,
                            null,
                            CloseStatus.NORMAL.withReason("Call ended: it reached the maximum length of "
                                    + describe(limits.maxCallLength()) + "."));
                } else if (!call.rollingOver
                        && call.model() != null
                        && now - call.model().openedNanos
                                >= limits.rolloverAfter().toNanos()
                        && (call.rolloverFailedNanos == 0
                                || now - call.rolloverFailedNanos >= RETRY_ROLLOVER.toNanos())) {
                    call.rollingOver = true;
                    modelThreads.execute(() -> rollOver(call));
                } else if (now - call.lastHeardNanos() >= limits.idleTimeout().toNanos()) {
                    end(
                            call,
                            VoiceEndReason.TIMEOUT,
                            null,
                            CloseStatus.NORMAL.withReason(
                                    "Call ended: nothing was received for " + describe(limits.idleTimeout()) + "."));
                }
            } catch (RuntimeException e) {
                log.warn("Voice session {}: ending an overdue call failed", call.voiceSessionId, e);
            }
        }
    }

    static final CloseStatus ENDED_BY_MODERATION =
            CloseStatus.POLICY_VIOLATION.withReason("This call was ended by moderation.");

    private static String describe(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private void refuse(WebSocketSession client, String why, CloseStatus status) {
        meters.counter("donna.voice.calls.refused", "reason", why).increment();
        log.info("Voice relay refused a call ({}): {}", why, status.getReason());
        try {
            client.close(status);
        } catch (IOException e) {
            log.debug("Closing a refused call failed: {}", e.toString());
        }
    }

    /** Takes one of the caller's call slots, atomically: two calls at the same moment cannot both get the last. */
    private boolean reserve(RelayedCall.Caller caller, int allowed) {
        boolean[] reserved = {false};
        openPerCaller.compute(caller.userId(), (k, open) -> {
            int n = open == null ? 0 : open;
            if (n >= allowed) {
                return open;
            }
            reserved[0] = true;
            return n + 1;
        });
        return reserved[0];
    }

    private void release(RelayedCall.Caller caller) {
        openPerCaller.computeIfPresent(caller.userId(), (k, open) -> open <= 1 ? null : open - 1);
    }

    /**
     * The person on the call, from the token the platform checked, with the workspace the call is for: the
     * token's (a role claim, a configured owner, a visitor's widget), a membership an owner manages, or the
     * default. Null for anyone without a token.
     */
    RelayedCall.Caller callerOf(Principal principal) {
        if (!(principal instanceof JwtAuthenticationToken token)) {
            return null;
        }
        Jwt jwt = token.getToken();
        boolean visitor = WorkspaceIdentity.visitor(jwt);
        String workspace = visitor
                ? identity.visitorsWorkspace(jwt)
                : identity.fromToken(jwt)
                        .map(Membership::workspaceId)
                        .or(() -> workspaces.workspaceOf(token.getName()))
                        .orElse(identity.defaultId());
        return new RelayedCall.Caller(token.getName(), visitor, workspace);
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
        for (RelayedCall call : calls.values()) {
            end(
                    call,
                    VoiceEndReason.ERROR,
                    "the relay is shutting down",
                    CloseStatus.GOING_AWAY.withReason("The voice relay is restarting; please call again."));
        }
        modelThreads.shutdown();
    }
}
