package app.donna.platform.persona;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What becomes of a receptionist tool the model called: the action the business is asked for (its kind,
 * {@code <integration>.<tool>}, and what the caller gave), or, when the call is not one the business can
 * act on, what the model should be told instead. Arguments are the model's JSON, parsed; only the declared
 * fields are kept, each as text of bounded length.
 */
public final class ReceptionistRequests {

    /** The longest text kept of one argument; a caller's message longer than this is cut. */
    public static final int MAX_ARGUMENT_CHARS = 2_000;

    public sealed interface Outcome {
        /** Ask the business for {@code kind} through {@code integration}, with {@code details}. */
        record Accepted(String kind, String integration, Map<String, String> details) implements Outcome {}

        /** Nothing is asked; {@code message} tells the model why, so it can ask the caller again. */
        record Invalid(String message) implements Outcome {}
    }

    private ReceptionistRequests() {}

    /** Which integration receives each tool's requests. */
    static String integrationOf(String tool) {
        return switch (tool) {
            case "request_booking" -> "bookings";
            default -> "secretary";
        };
    }

    /** A call of one of the tools a call offers ({@link ReceptionistTools#ALL}). */
    public static Outcome of(String tool, Object arguments) {
        return of(tool, arguments, ReceptionistTools.ALL);
    }

    /**
     * A call of {@code tool}, checked against the tools the model was {@code offered}: a model that calls
     * one it was not given (a chat model asking for {@code transfer_to_human}) asks for nothing.
     */
    public static Outcome of(String tool, Object arguments, List<ReceptionistTools> offered) {
        ReceptionistTools declared =
                offered.stream().filter(t -> t.name().equals(tool)).findFirst().orElse(null);
        if (declared == null) {
            return new Outcome.Invalid("There is no tool called " + tool + ".");
        }
        if (!(arguments instanceof Map<?, ?> given)) {
            return new Outcome.Invalid("The arguments of " + tool + " must be a JSON object.");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> properties =
                (Map<String, Object>) declared.parameters().get("properties");
        @SuppressWarnings("unchecked")
        List<String> required = (List<String>) declared.parameters().get("required");
        Map<String, String> details = new LinkedHashMap<>();
        for (String field : properties.keySet()) {
            Object value = given.get(field);
            if (value instanceof String s && !s.isBlank()) {
                String text = s.strip();
                details.put(field, text.length() <= MAX_ARGUMENT_CHARS ? text : text.substring(0, MAX_ARGUMENT_CHARS));
            } else if (value != null && !(value instanceof String)) {
                return new Outcome.Invalid("The field " + field + " of " + tool + " must be text.");
            }
        }
        List<String> missing =
                required.stream().filter(f -> !details.containsKey(f)).toList();
        if (!missing.isEmpty()) {
            return new Outcome.Invalid("Ask the caller for " + String.join(" and ", missing) + " first.");
        }
        return accepted(tool, details);
    }

    /**
     * The business asked for {@code tool}'s request with {@code details}, already checked: its kind
     * ({@code <integration>.<tool>}) and integration. Also what the offline responder takes without a model.
     */
    public static Outcome.Accepted accepted(String tool, Map<String, String> details) {
        String integration = integrationOf(tool);
        return new Outcome.Accepted(integration + "." + tool, integration, details);
    }
}
