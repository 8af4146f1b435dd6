package app.donna.chat.reply;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach a customer, as they wrote it in a message: a phone number or an email address, and their
 * name when they introduced themselves ("my name is Ann", "this is Bob Smith"). What the offline responder
 * needs to pass a message on without a model.
 *
 * @param contact a phone number (7 to 15 digits, written any usual way) or else an email address
 * @param name    the name they gave, if they gave one
 */
public record ContactDetails(String contact, Optional<String> name) {

    private static final Pattern EMAIL = Pattern.compile("[\\w.%+-]+@[\\w-]+(\\.[\\w-]+)*\\.\\p{Alpha}{2,}");
    /**
     * Digits standing on their own: "#f1326866-1" (a reference glued to letters), the groups of a UUID
     * ("…-4851-9422-…") or of a path are no number to call.
     */
    private static final Pattern PHONE = Pattern.compile("(?<![\\w#/.-])\\+?\\(?\\d[\\d ()-]{5,}\\d(?![\\w/-])");
    /** Digits that are a date ("2026-12-12", "12-12-2026"), not a number to call. */
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}-\\d{1,2}-\\d{2,4}");
    /** An introduction, then one or two capitalised words: "I'm looking for…" names no one. */
    private static final Pattern NAME = Pattern.compile(
            "(?i:\\b(?:my name is|my name's|i am|i'm|this is|it's|name:))\\s+(\\p{Lu}[\\p{L}'-]+(?: \\p{Lu}[\\p{L}'-]+)?)");

    /** The contact details in {@code text}, if it gives a way to reach the customer. */
    public static Optional<ContactDetails> in(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String normalised = text.replace('’', '\'');
        return phone(normalised)
                .or(() -> first(EMAIL, normalised))
                .map(contact -> new ContactDetails(contact, first(NAME, normalised, 1)));
    }

    private static Optional<String> phone(String text) {
        Matcher m = PHONE.matcher(text);
        while (m.find()) {
            long digits = m.group().chars().filter(Character::isDigit).count();
            if (digits >= 7 && digits <= 15 && !DATE.matcher(m.group().strip()).matches()) {
                return Optional.of(m.group().strip());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> first(Pattern pattern, String text) {
        return first(pattern, text, 0);
    }

    private static Optional<String> first(Pattern pattern, String text, int group) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(group)) : Optional.empty();
    }
}
