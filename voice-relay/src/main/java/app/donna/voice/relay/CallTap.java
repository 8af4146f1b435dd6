package app.donna.voice.relay;

import app.donna.events.actions.ActionRequested;
import app.donna.events.common.EventSource;
import app.donna.events.common.TokenUsage;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceToolCalled;
import app.donna.events.voice.VoiceTranscript;
import app.donna.platform.persona.ReceptionistRequests;
import app.donna.platform.redaction.SensitiveText;
import app.donna.schemas.DerivedIds;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the relay keeps of a call: the trail it writes to {@code donna.voice.events} (start and end, final
 * transcripts, completed responses with token usage, tool calls; never audio), and the receptionist's
 * tools, which the relay answers itself by asking the business ({@code donna.actions}). Transcripts and
 * tool arguments are redacted before they leave: card numbers and credentials always, phone numbers and
 * email addresses in transcripts when configured (a callback number in {@code take_message} is kept: the
 * business needs it).
 */
@Component
class CallTap {

    private static final Logger log = LoggerFactory.getLogger(CallTap.class);

    private final VoiceEventLog events;
    private final VoiceRelaySettings.Relay limits;
    private final boolean serverVad;
    private final JsonMapper json;

    CallTap(VoiceEventLog events, VoiceRelaySettings settings, JsonMapper json) {
        this.events = events;
        this.limits = settings.relay();
        this.serverVad = settings.serverVad();
        this.json = json;
    }

    void record(RelayedCall call, SpecificRecordBase event) {
        events.record(call.voiceSessionId, event);
    }

    /** Looks at one event from the model; only the kinds the trail needs are parsed. */
    void heardFromModel(RelayedCall call, String type, String event) {
        switch (type) {
            case "input_audio_buffer.committed" -> {
                call.turnEndedNanos = System.nanoTime();
                call.callerSpeaking = false;
                call.uncommittedAudio = false;
                // with server VAD the model answers a committed turn by itself: a response is on its way
                call.responding = serverVad;
            }
            case "input_audio_buffer.cleared" -> call.uncommittedAudio = false;
            case "input_audio_buffer.speech_started" -> call.callerSpeaking = true;
            case "input_audio_buffer.speech_stopped" -> call.callerSpeaking = false;
            case "response.created" -> call.responding = true;
            case "response.output_audio.delta" -> {
                // the first audio after the caller's turn: parsed once a turn, not for every chunk
                long ended = call.turnEndedNanos;
                if (ended != 0) {
                    call.turnEndedNanos = 0;
                    String responseId = field(event, "response_id");
                    if (responseId != null) {
                        call.latencyMs.putIfAbsent(responseId, (System.nanoTime() - ended) / 1_000_000);
                    }
                }
            }
            case "conversation.item.input_audio_transcription.completed" ->
                transcript(call, event, SpeakerRole.USER, "transcript");
            case "response.output_audio_transcript.done" ->
                transcript(call, event, SpeakerRole.ASSISTANT, "transcript");
            case "response.output_text.done" -> transcript(call, event, SpeakerRole.ASSISTANT, "text");
            case "response.done" -> {
                call.responding = false;
                responseDone(call, event);
            }
            case "error" -> log.warn("Voice session {}: the model reported an error: {}", call.voiceSessionId, event);
            default -> {
                // audio and progress events: relayed, not recorded
            }
        }
    }

    /**
     * Answers a receptionist tool the model called: records the call, asks the business, and returns the
     * events that give the model the result and let it go on speaking.
     */
    List<String> answerTool(RelayedCall call, String event) {
        JsonNode done = parse(event);
        if (done == null) {
            return List.of();
        }
        String callId = done.path("call_id").asString("");
        String tool = done.path("name").asString("");
        String arguments = done.path("arguments").asString("");
        record(
                call,
                VoiceToolCalled.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(now())
                        .setVoiceSessionId(UUID.fromString(call.voiceSessionId))
                        .setUserId(call.caller.userId())
                        .setCallId(callId)
                        .setToolName(tool)
                        .setArgumentsJson(SensitiveText.redact(arguments))
                        .build());
        Map<String, Object> output = new LinkedHashMap<>();
        Object parsedArguments;
        try {
            parsedArguments = json.readValue(arguments, Object.class);
        } catch (JacksonException e) {
            parsedArguments = null;
        }
        switch (ReceptionistRequests.of(tool, parsedArguments)) {
            case ReceptionistRequests.Outcome.Accepted accepted -> {
                UUID actionId = DerivedIds.of("voice-action", call.voiceSessionId + "/" + callId);
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("voiceSessionId", call.voiceSessionId);
                payload.put("callId", callId);
                Map<String, String> details = new LinkedHashMap<>();
                accepted.details().forEach((k, v) -> details.put(k, SensitiveText.redact(v)));
                payload.put("details", details);
                ActionRequested action = ActionRequested.newBuilder()
                        .setEventId(DerivedIds.of("action-requested", actionId))
                        .setOccurredAt(now())
                        .setUserId(call.caller.userId())
                        .setActionId(actionId)
                        .setKind(accepted.kind())
                        .setIntegration(accepted.integration())
                        .setPayloadJson(json.writeValueAsString(payload))
                        .setSource(EventSource.VOICE)
                        .setSourceId(call.voiceSessionId)
                        .setWorkspaceId(call.caller.workspaceId())
                        .build();
                if (events.request(action, limits.publishTimeout())) {
                    log.info(
                            "Voice session {}: {} passed on as action {}",
                            call.voiceSessionId,
                            accepted.kind(),
                            actionId);
                    output.put("status", "passed_on");
                    output.put("action_id", actionId.toString());
                } else {
                    output.put("status", "not_passed_on");
                    output.put("message", "This could not be passed on right now. Apologise and offer to try again.");
                }
            }
            case ReceptionistRequests.Outcome.Invalid invalid -> {
                output.put("status", "invalid");
                output.put("message", invalid.message());
            }
        }
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("type", "function_call_output");
        item.put("call_id", callId);
        item.put("output", json.writeValueAsString(output));
        List<String> answer = new ArrayList<>();
        answer.add(json.writeValueAsString(
                Map.of("type", "conversation.item.create", "event_id", "relay_" + UUID.randomUUID(), "item", item)));
        answer.add(
                json.writeValueAsString(Map.of("type", "response.create", "event_id", "relay_" + UUID.randomUUID())));
        return answer;
    }

    private void transcript(RelayedCall call, String event, SpeakerRole role, String field) {
        JsonNode node = parse(event);
        if (node == null) {
            return;
        }
        String text = node.path(field).asString("");
        if (text.isBlank()) {
            return;
        }
        // the model hears the words as said when the call rolls over; only what is recorded is redacted
        if (role == SpeakerRole.USER) {
            call.summary.caller(text);
        } else {
            call.summary.assistant(text);
        }
        record(
                call,
                VoiceTranscript.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(now())
                        .setVoiceSessionId(UUID.fromString(call.voiceSessionId))
                        .setUserId(call.caller.userId())
                        .setItemId(node.path("item_id").asString(""))
                        .setRole(role)
                        .setText(redact(text))
                        .setIsFinal(true)
                        .build());
    }

    private void responseDone(RelayedCall call, String event) {
        JsonNode node = parse(event);
        if (node == null) {
            return;
        }
        JsonNode response = node.path("response");
        String responseId = response.path("id").asString("");
        StringBuilder said = new StringBuilder();
        for (JsonNode item : response.path("output")) {
            for (JsonNode content : item.path("content")) {
                String part = content.has("transcript")
                        ? content.path("transcript").asString("")
                        : content.path("text").asString("");
                said.append(part);
            }
        }
        JsonNode usage = response.path("usage");
        VoiceResponseCompleted.Builder completed = VoiceResponseCompleted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now())
                .setVoiceSessionId(UUID.fromString(call.voiceSessionId))
                .setUserId(call.caller.userId())
                .setResponseId(responseId)
                .setText(said.isEmpty() ? null : redact(said.toString()))
                .setLatencyMs(call.latencyMs.remove(responseId));
        if (usage.isObject()) {
            completed.setUsage(TokenUsage.newBuilder()
                    .setInputTokens(usage.path("input_tokens").asInt(0))
                    .setOutputTokens(usage.path("output_tokens").asInt(0))
                    .setTotalTokens(usage.path("total_tokens").asInt(0))
                    .build());
        }
        record(call, completed.build());
    }

    private String redact(String text) {
        return SensitiveText.redact(text, limits.maskPhones(), limits.maskEmails());
    }

    private String field(String event, String name) {
        JsonNode node = parse(event);
        return node == null ? null : node.path(name).asString(null);
    }

    private JsonNode parse(String event) {
        try {
            return json.readTree(event);
        } catch (JacksonException e) {
            log.debug("An event from the model is not JSON: {}", e.getOriginalMessage());
            return null;
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
