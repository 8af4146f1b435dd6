package app.donna.platform.persona;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Realtime session the server pins for every call, whichever way the caller connects: in the client
 * secret ingress-api mints for the direct path, and in the {@code session.update} the voice relay sends
 * before relaying anything. A caller may not change it: the relay trims what a client asks for (its {@code voice.session}
 * package), and a client secret carries the session itself.
 *
 * @param model              the Realtime model
 * @param voice              the voice the model speaks with
 * @param instructions       the persona's voice instructions
 * @param serverVad          whether the server detects the end of the caller's turns
 * @param transcriptionModel the model that transcribes the caller (transcripts feed the abuse screen,
 *                           so it is pinned too)
 * @param tools              what the model may ask the business to do
 */
public record PinnedVoiceSession(
        String model,
        String voice,
        String instructions,
        boolean serverVad,
        String transcriptionModel,
        List<ReceptionistTools> tools) {

    public PinnedVoiceSession {
        tools = List.copyOf(tools);
    }

    public static PinnedVoiceSession of(
            String model, String voice, Persona persona, boolean serverVad, String transcriptionModel) {
        return new PinnedVoiceSession(
                model, voice, persona.voiceInstructions(), serverVad, transcriptionModel, ReceptionistTools.ALL);
    }

    /**
     * The session as the Realtime API's JSON describes it (the {@code session} of {@code session.update}
     * and of {@code POST /v1/realtime/client_secrets}), as plain maps and lists a JSON mapper writes.
     */
    public Map<String, Object> asRealtimeSession() {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("transcription", Map.of("model", transcriptionModel));
        input.put(
                "turn_detection",
                serverVad
                        ? Map.of(
                                "type",
                                "server_vad",
                                "threshold",
                                0.5,
                                "prefix_padding_ms",
                                300,
                                "silence_duration_ms",
                                500)
                        : null);
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("type", "realtime");
        session.put("model", model);
        session.put("instructions", instructions);
        session.put("audio", Map.of("input", input, "output", Map.of("voice", voice)));
        List<Map<String, Object>> declared = new ArrayList<>();
        for (ReceptionistTools tool : tools) {
            declared.add(Map.of(
                    "type", "function",
                    "name", tool.name(),
                    "description", tool.description(),
                    "parameters", tool.parameters()));
        }
        session.put("tools", declared);
        session.put("tool_choice", "auto");
        return session;
    }
}
