package app.donna.abuse.screening;

/** Evidence that is useful to a reviewer without repeating what must not be stored. */
public final class Redaction {

    static final int MAX_EXCERPT = 60;

    private Redaction() {}

    /** The matched words, shortened. */
    static String excerpt(String matched) {
        String oneLine = matched.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_EXCERPT ? oneLine : oneLine.substring(0, MAX_EXCERPT - 1) + "…";
    }

    /** A card number reduced to its length and last four digits. */
    static String card(String digits) {
        return "card number, " + digits.length() + " digits, ending " + digits.substring(digits.length() - 4);
    }

    /** A secret reduced to its kind, first characters and length. */
    static String secret(String kind, String secret) {
        String prefix = secret.length() > 4 ? secret.substring(0, 4) : "";
        return kind + " " + prefix + "… (" + secret.length() + " characters)";
    }
}
