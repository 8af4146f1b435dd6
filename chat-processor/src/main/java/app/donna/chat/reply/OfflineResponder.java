package app.donna.chat.reply;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Answers without a model, from the persona alone: opening hours, the services, or an offer to take a
 * message. Used when no API key is configured or the model is unavailable; its replies are marked
 * degraded. Never empty.
 */
public final class OfflineResponder {

    private static final Pattern HOURS = Pattern.compile("\\b(open|close[sd]?|hours?|when|today|tomorrow|weekend|"
            + "saturday|sunday|monday|tuesday|wednesday|thursday|friday|holiday)\\b");
    private static final Pattern SERVICES = Pattern.compile("\\b(offer|services?|do you (do|have|sell)|price|prices|"
            + "cost|book|booking|appointment|menu)\\b");
    private static final Pattern GREETING = Pattern.compile("^\\s*(hi|hello|hey|good (morning|afternoon|evening))\\b");

    private final Persona persona;

    public OfflineResponder(Persona persona) {
        this.persona = persona;
    }

    public String answer(String question) {
        String q = question.toLowerCase(Locale.ROOT);
        if (HOURS.matcher(q).find()) {
            return "Our opening hours at " + persona.businessName() + " are: " + persona.hours()
                    + ". Anything else I can help with?";
        }
        if (SERVICES.matcher(q).find() && !persona.services().isEmpty()) {
            return "At " + persona.businessName() + " we offer " + String.join(", ", persona.services())
                    + ". If you'd like details or a booking, leave your name and number and the team will get back to you.";
        }
        if (GREETING.matcher(q).find()) {
            return "Hello, and thanks for contacting " + persona.businessName() + "! How can I help?";
        }
        return "Thanks for your message. I can't answer that fully right now, but I'll take a message: leave your "
                + "name and how to reach you, and someone from " + persona.businessName() + " will get back to you.";
    }
}
