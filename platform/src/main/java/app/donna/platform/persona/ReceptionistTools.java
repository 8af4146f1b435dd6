package app.donna.platform.persona;

import java.util.List;
import java.util.Map;

/**
 * A tool the receptionist's model may call, on a call or in a chat: what it may ask the business to do. Its
 * parameters are a JSON Schema, as function tools declare them; {@link ReceptionistRequests} checks what a
 * model gives for them.
 */
public record ReceptionistTools(String name, String description, Map<String, Object> parameters) {

    /** On a call: {@code take_message}, {@code request_booking}, {@code transfer_to_human}. */
    public static final List<ReceptionistTools> ALL = List.of(
            new ReceptionistTools(
                    "take_message",
                    "Take a message for the business from the caller.",
                    object(
                            Map.of(
                                    "caller_name", text("the caller's name"),
                                    "callback_number", text("a number to call back, as the caller gave it"),
                                    "message", text("the message, in the caller's words")),
                            List.of("caller_name", "message"))),
            new ReceptionistTools(
                    "request_booking",
                    "Ask the business to book an appointment for the caller.",
                    object(
                            Map.of(
                                    "service", text("what the caller wants booked"),
                                    "preferred_times", text("when the caller would like it"),
                                    "contact", text("how to reach the caller to confirm")),
                            List.of("service", "contact"))),
            new ReceptionistTools(
                    "transfer_to_human",
                    "Hand the call to a person at the business.",
                    object(Map.of("reason", text("why the caller needs a person")), List.of("reason"))));

    /**
     * In a chat: {@code take_message} and {@code request_booking}. A chat has no one to transfer to until
     * staff can take a conversation over.
     */
    public static final List<ReceptionistTools> CHAT = ALL.stream()
            .filter(tool -> !tool.name().equals("transfer_to_human"))
            .toList();

    private static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
        return Map.of("type", "object", "properties", properties, "required", required, "additionalProperties", false);
    }

    private static Map<String, Object> text(String description) {
        return Map.of("type", "string", "description", description);
    }
}
