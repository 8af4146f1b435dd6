package app.donna.voice.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a caller's client may send the model through the relay. The session the server pins (instructions,
 * voice, tools, turn detection, transcription, model) cannot be changed: a {@code session.update} or
 * {@code response.create} that tries is trimmed to what is allowed, and the relay logs what it removed.
 * Items that would speak with the business's authority (system or assistant messages) or answer the
 * receptionist's tools in the relay's place are refused. Events of unknown types are refused too, so a
 * newer client event cannot slip past a review written before it existed.
 *
 * <p>Events are the parsed JSON as maps and lists; only {@link #needsReview reviewed types} need parsing.
 */
public final class ClientEventReview {

    /** What becomes of one client event. */
    public sealed interface Outcome {
        /** Send it on; {@code removed} names what was cut from it (dotted paths), empty when nothing. */
        record Forward(Map<String, Object> event, List<String> removed) implements Outcome {}

        /** Do not send it; {@code reason} is for the caller. */
        record Refuse(String reason) implements Outcome {}
    }

    /** Client events sent on as they come: they cannot change the session or what the model is told. */
    private static final Set<String> PASSED_AS_IS = Set.of(
            "input_audio_buffer.append",
            "input_audio_buffer.commit",
            "input_audio_buffer.clear",
            "output_audio_buffer.clear",
            "conversation.item.retrieve",
            "conversation.item.truncate",
            "conversation.item.delete",
            "response.cancel");

    private static final Set<String> REVIEWED = Set.of("session.update", "response.create", "conversation.item.create");

    /** What a {@code session.update} may set; the rest of the session is pinned. */
    private static final Set<String> SESSION_ALLOWED = Set.of(
            "type",
            "output_modalities",
            "max_output_tokens",
            "include",
            "tracing",
            "truncation",
            "audio.input.format",
            "audio.input.noise_reduction",
            "audio.output.format",
            "audio.output.speed");

    /** What a {@code response.create} may set; instructions, tools, voice and extra input are pinned. */
    private static final Set<String> RESPONSE_ALLOWED =
            Set.of("output_modalities", "max_output_tokens", "metadata", "conversation", "audio.output.format");

    private ClientEventReview() {}

    /** Whether events of this type are sent on without looking inside. */
    public static boolean passesAsIs(String type) {
        return PASSED_AS_IS.contains(type);
    }

    /** Whether events of this type must be parsed and {@link #review reviewed}. */
    public static boolean needsReview(String type) {
        return REVIEWED.contains(type);
    }

    /** The review of one parsed client event. */
    public static Outcome review(Map<String, Object> event) {
        Object type = event.get("type");
        if (!(type instanceof String t)) {
            return new Outcome.Refuse("An event needs a type.");
        }
        if (PASSED_AS_IS.contains(t)) {
            return new Outcome.Forward(event, List.of());
        }
        return switch (t) {
            case "session.update" -> trim(event, "session", SESSION_ALLOWED);
            case "response.create" -> trim(event, "response", RESPONSE_ALLOWED);
            case "conversation.item.create" -> reviewItem(event);
            default -> new Outcome.Refuse("This relay does not pass on events of type " + t + ".");
        };
    }

    private static Outcome trim(Map<String, Object> event, String field, Set<String> allowed) {
        Object body = event.get(field);
        if (body == null) {
            return new Outcome.Forward(event, List.of());
        }
        if (!(body instanceof Map<?, ?> map)) {
            return new Outcome.Refuse("The " + field + " of a " + event.get("type") + " must be an object.");
        }
        List<String> removed = new ArrayList<>();
        Map<String, Object> kept = keep(map, "", allowed, removed);
        if (removed.isEmpty()) {
            return new Outcome.Forward(event, List.of());
        }
        Map<String, Object> trimmed = new LinkedHashMap<>(event);
        trimmed.put(field, kept);
        return new Outcome.Forward(trimmed, List.copyOf(removed));
    }

    /** The parts of {@code map} whose dotted path is allowed, or lies on the way to an allowed path. */
    private static Map<String, Object> keep(Map<?, ?> map, String prefix, Set<String> allowed, List<String> removed) {
        Map<String, Object> kept = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String path = prefix + e.getKey();
            if (allowed.contains(path)) {
                kept.put(String.valueOf(e.getKey()), e.getValue());
            } else if (e.getValue() instanceof Map<?, ?> inner && leadsToAllowed(path, allowed)) {
                kept.put(String.valueOf(e.getKey()), keep(inner, path + ".", allowed, removed));
            } else {
                removed.add(path);
            }
        }
        return kept;
    }

    private static boolean leadsToAllowed(String path, Set<String> allowed) {
        String prefix = path + ".";
        return allowed.stream().anyMatch(a -> a.startsWith(prefix));
    }

    private static Outcome reviewItem(Map<String, Object> event) {
        if (!(event.get("item") instanceof Map<?, ?> item)) {
            return new Outcome.Refuse("A conversation.item.create needs an item.");
        }
        Object itemType = item.get("type");
        if (!"message".equals(itemType)) {
            // function_call and function_call_output: the relay answers the receptionist's tools itself
            return new Outcome.Refuse("Only messages may be added to the conversation, not " + itemType + ".");
        }
        if (!"user".equals(item.get("role"))) {
            return new Outcome.Refuse("Only the caller's own (user) messages may be added to the conversation.");
        }
        return new Outcome.Forward(event, List.of());
    }
}
