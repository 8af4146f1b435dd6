package app.donna.ingress.chat;

import java.util.Optional;

/**
 * What a chat message's text may hold: what every store on its way (Avro's UTF-8, PostgreSQL's
 * {@code text}, the model's API) can hold as it is. PostgreSQL refuses NUL, and a lone UTF-16 surrogate
 * has no UTF-8 form, so either would be accepted here and then lost further on; other control characters
 * (except tab and line breaks) are never meant by a person typing. Checked before the broker sees the
 * message, so {@code 202} always means it will be stored.
 */
final class MessageText {

    private MessageText() {}

    /** Why {@code text} cannot be accepted (too long, or unstorable), or empty when it can. */
    static Optional<String> problem(String text, int maxChars) {
        if (text.length() > maxChars) {
            return Optional.of("must be at most " + maxChars + " characters");
        }
        return problem(text);
    }

    /** Why {@code text} cannot be accepted, or empty when it can. Never repeats the text. */
    static Optional<String> problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                return Optional.of("contains an unpaired UTF-16 surrogate at position " + i);
            }
            if (c == 0) {
                return Optional.of("contains a NUL character at position " + i);
            }
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
                return Optional.of("contains the control character U+%04X at position %d".formatted((int) c, i));
            }
        }
        return Optional.empty();
    }
}
