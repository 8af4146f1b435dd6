package app.donna.platform.redaction;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Data that must not be kept where it would be read again: payment card numbers (Luhn-checked, so order
 * numbers and phone numbers do not trip it) and credentials (API keys, tokens, private keys), everywhere;
 * and, where a channel asks for it, phone numbers and email addresses. Shared by the abuse detector (which
 * flags them in chat) and the voice relay (which masks call transcripts before they reach a topic).
 */
public final class SensitiveText {

    /** A credential found in text: what kind, and the matched text (to be shortened before storing). */
    public record Credential(String kind, String matched) {}

    private static final Pattern CARD_CANDIDATE = Pattern.compile("(?<![\\d-])(?:\\d[ -]?){12,18}\\d(?![\\d-])");

    private record Secret(String kind, Pattern pattern) {}

    /** A private key's whole block, redacted as one: its header alone is what detection needs. */
    private static final Pattern PRIVATE_KEY_BLOCK =
            Pattern.compile("-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----[\\s\\S]*?"
                    + "(?:-----END (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----|\\z)");

    private static final List<Secret> SECRETS = List.of(
            new Secret(
                    "private key",
                    Pattern.compile("-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----")),
            new Secret("OpenAI key", Pattern.compile("\\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
            new Secret("AWS access key", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")),
            new Secret("GitHub token", Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{36,}\\b")),
            new Secret("Slack token", Pattern.compile("\\bxox[abprs]-[A-Za-z0-9-]{10,}")),
            new Secret("Stripe key", Pattern.compile("\\b(?:sk|rk)_live_[A-Za-z0-9]{16,}")),
            new Secret("Google API key", Pattern.compile("\\bAIza[0-9A-Za-z_-]{35}\\b")),
            new Secret(
                    "JSON web token",
                    Pattern.compile("\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}")));

    /** Seven or more digits, as people say and write phone numbers: with spaces, dots, dashes, brackets. */
    private static final Pattern PHONE = Pattern.compile("(?<![\\w+])\\+?\\d(?:[ .()-]{0,2}\\d){6,14}(?!\\w)");

    private static final Pattern EMAIL =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");

    private SensitiveText() {}

    /** The digits of the first valid card number in {@code text}. */
    public static Optional<String> firstCard(String text) {
        Matcher card = CARD_CANDIDATE.matcher(text);
        while (card.find()) {
            String digits = card.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && luhnValid(digits)) {
                return Optional.of(digits);
            }
        }
        return Optional.empty();
    }

    /** The first credential in {@code text}, in the order of the detectors. */
    public static Optional<Credential> firstCredential(String text) {
        for (Secret secret : SECRETS) {
            Matcher m = secret.pattern().matcher(text);
            if (m.find()) {
                return Optional.of(new Credential(secret.kind(), m.group()));
            }
        }
        return Optional.empty();
    }

    /**
     * {@code text} with every card number and credential these detectors recognise replaced by a marker
     * that says what was there ({@code [card number ending 4242]}, {@code [redacted OpenAI key]}), so the
     * message can still be read, answered and kept without the secret. Returns {@code text} itself when
     * there is nothing to mask.
     */
    public static String redact(String text) {
        StringBuilder out = new StringBuilder(text.length());
        Matcher card = CARD_CANDIDATE.matcher(text);
        int at = 0;
        while (card.find()) {
            String digits = card.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && luhnValid(digits)) {
                out.append(text, at, card.start())
                        .append("[card number ending ")
                        .append(digits.substring(digits.length() - 4))
                        .append(']');
                at = card.end();
            }
        }
        String redacted = at == 0 ? text : out.append(text, at, text.length()).toString();
        redacted = PRIVATE_KEY_BLOCK.matcher(redacted).replaceAll("[redacted private key]");
        for (Secret secret : SECRETS) {
            redacted = secret.pattern()
                    .matcher(redacted)
                    .replaceAll(Matcher.quoteReplacement("[redacted " + secret.kind() + "]"));
        }
        return redacted;
    }

    /** {@link #redact} and, when asked, phone numbers and email addresses masked too. */
    public static String redact(String text, boolean phones, boolean emails) {
        String redacted = redact(text);
        if (emails) {
            redacted = EMAIL.matcher(redacted).replaceAll("[email address]");
        }
        if (phones) {
            redacted = PHONE.matcher(redacted).replaceAll("[phone number]");
        }
        return redacted;
    }

    /** The Luhn checksum card numbers carry. */
    public static boolean luhnValid(String digits) {
        int sum = 0;
        boolean dbl = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }
}
