package app.donna.chat.reply;

import app.donna.platform.persona.Persona;
import app.donna.platform.persona.ReceptionistRequests;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Answers without a model, from the persona alone. Used when no API key is configured or the model is
 * unavailable; its replies are marked degraded. Never empty, and never invents what only the business
 * knows (free slots, prices): anything it cannot settle it offers to pass on to the team.
 *
 * <p>It recognises what the customer wants ({@link Intent}) by keywords, checked in a fixed order so that
 * the more specific request wins: "can I cancel my booking on Friday?" names a booking and a day but asks
 * to cancel, and "book me in next Tuesday at 2pm" names a day but asks for an appointment, not for the
 * opening hours.
 *
 * <p>What it asks the customer for, it takes: a message that says how to reach the customer
 * ({@link ContactDetails}) is passed on to the business as the same request a model's tool call makes: a
 * booking request when this message or the customer's one before asked for an appointment, else a message
 * for the team, in the customer's words.
 */
public final class OfflineResponder {

    /** What a message asks for, in the order they are recognised: the first that matches wins. */
    public enum Intent {
        /** Cancel, move or change an existing appointment. */
        CANCELLATION("\\b(cancel\\w*|reschedul\\w*|postpone\\w*|re-?book\\w*|"
                + "(move|change|shift) (my|the|our|an?) (appointment|booking|reservation|time)|"
                + "can'?t make (it|my appointment)|cannot make (it|my appointment))\\b"),
        /** Leave word for the team, or be called back. */
        MESSAGE("\\b(leave (a|me a|them a) message|take a message|pass (on )?a message|"
                + "call (me )?back|callback|ring me|get back to me|contact me|"
                + "(speak|talk) (to|with) (someone|somebody|a person|a human|a real person|the manager|the owner))\\b"),
        /** What something costs. */
        PRICES("(\\b(price|prices|pricing|priced|cost|costs|how much|charge|charges|fee|fees|expensive|cheap)\\b|"
                + "[£$€])"),
        /** A new appointment. */
        BOOKING("\\b(book|booking|bookings|appointment|appointments|reserve|reservation|slot|slots|"
                + "availability|available|fit me in|squeeze me in|schedule (a|an|me))\\b"),
        /** When the business is open. */
        HOURS("\\b(open|opens|opening|close|closes|closed|closing|hours|what time do you)\\b"),
        /** What the business offers. */
        SERVICES("\\b(offer|offers|services?|treatments?|menu|do you (do|have|sell))\\b"),
        /** Only a hello. */
        GREETING("^\\s*(hi|hello|hey|hiya|good (morning|afternoon|evening))\\b"),
        /** Anything else. */
        FALLBACK(null);

        private final Pattern pattern;

        Intent(String regex) {
            this.pattern = regex == null ? null : Pattern.compile(regex);
        }

        /** The intent of {@code message}: the first in declaration order whose keywords it contains. */
        public static Intent of(String message) {
            String m = message == null ? "" : message.toLowerCase(Locale.ROOT).replace('’', '\'');
            for (Intent intent : values()) {
                if (intent.pattern != null && intent.pattern.matcher(m).find()) {
                    return intent;
                }
            }
            return FALLBACK;
        }
    }

    private final Persona persona;

    public OfflineResponder(Persona persona) {
        this.persona = persona;
    }

    /** An offline answer, and the request it passes on to the business, if any. */
    public record Offline(String text, Optional<RequestsTaken.Request> request) {}

    /** The answer to {@code question}, asked after {@code context}, and the request it takes, if any. */
    public Offline reply(String question, List<Turn> context) {
        Optional<ContactDetails> contact = ContactDetails.in(question);
        if (contact.isEmpty()) {
            return new Offline(answer(question), Optional.empty());
        }
        Optional<String> earlier = context.reversed().stream()
                .filter(turn -> turn.role() == Turn.Role.USER)
                .map(Turn::text)
                .findFirst()
                .filter(text -> ASKS_FOR_THE_TEAM.contains(Intent.of(text)));
        boolean booking = Intent.of(question) == Intent.BOOKING
                || (!ASKS_FOR_THE_TEAM.contains(Intent.of(question))
                        && earlier.map(Intent::of).orElse(null) == Intent.BOOKING);
        String words = earlier.map(text -> text + "\n").orElse("") + question.strip();
        words = words.length() <= ReceptionistRequests.MAX_ARGUMENT_CHARS
                ? words
                : words.substring(0, ReceptionistRequests.MAX_ARGUMENT_CHARS);
        Map<String, String> details = new LinkedHashMap<>();
        contact.get().name().ifPresent(name -> details.put("caller_name", name));
        String thanks =
                "Thank you" + contact.get().name().map(name -> ", " + name).orElse("") + ". ";
        if (booking) {
            details.put("service", words);
            details.put("contact", contact.get().contact());
            return new Offline(
                    thanks + "I've passed your booking request on to the team at " + persona.businessName()
                            + ", and they'll get back to you to confirm a time. Our opening hours are: "
                            + persona.hours() + ".",
                    Optional.of(RequestsTaken.Request.of(ReceptionistRequests.accepted("request_booking", details))));
        }
        details.put("callback_number", contact.get().contact());
        details.put("message", words);
        return new Offline(
                thanks + "I've passed your message on to the team at " + persona.businessName()
                        + ", and someone will get back to you.",
                Optional.of(RequestsTaken.Request.of(ReceptionistRequests.accepted("take_message", details))));
    }

    /** Intents whose answer asks the customer to leave their details for the team. */
    private static final Set<Intent> ASKS_FOR_THE_TEAM =
            EnumSet.of(Intent.CANCELLATION, Intent.MESSAGE, Intent.PRICES, Intent.BOOKING);

    public String answer(String question) {
        String name = persona.businessName();
        return switch (Intent.of(question)) {
            case CANCELLATION ->
                "No problem. I can't change bookings myself right now, so please leave your name, "
                        + "your phone number and the appointment you'd like to cancel or move (with a new day and time "
                        + "if you'd like one), and the team at " + name + " will confirm with you.";
            case MESSAGE ->
                "Of course. Please leave your message with your name and how to reach you, and someone " + "from "
                        + name + " will get back to you.";
            case PRICES ->
                "I'm sorry, I can't quote prices right now." + offered()
                        + " Leave your name, your number and the service you're interested in, and the team at " + name
                        + " will get back to you with prices.";
            case BOOKING ->
                "I'd be glad to help you book at " + name + ". I can't confirm appointments myself right "
                        + "now, so please leave your name, your phone number and the day and time you'd like, and the "
                        + "team will get back to you to confirm. Our opening hours are: " + persona.hours() + ".";
            case HOURS ->
                "Our opening hours at " + name + " are: " + persona.hours() + ". Anything else I can help with?";
            case SERVICES ->
                persona.services().isEmpty()
                        ? takeAMessage()
                        : "At " + name + " we offer " + String.join(", ", persona.services())
                                + ". If you'd like details or a booking, leave your name and number and the team will "
                                + "get back to you.";
            case GREETING -> "Hello, and thanks for contacting " + name + "! How can I help?";
            case FALLBACK -> takeAMessage();
        };
    }

    private String offered() {
        return persona.services().isEmpty() ? "" : " We offer " + String.join(", ", persona.services()) + ".";
    }

    private String takeAMessage() {
        return "Thanks for your message. I can't answer that fully right now, but I'll take a message: leave your "
                + "name and how to reach you, and someone from " + persona.businessName() + " will get back to you.";
    }
}
