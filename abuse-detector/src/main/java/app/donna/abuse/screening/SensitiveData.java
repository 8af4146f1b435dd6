package app.donna.abuse.screening;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Built-in detectors for data that must not travel further: payment card numbers (Luhn-checked, so
 * order numbers and phone numbers do not trip it) and credentials (API keys, tokens, private keys).
 */
public final class SensitiveData {

    private static final Pattern CARD_CANDIDATE = Pattern.compile("(?<![\\d-])(?:\\d[ -]?){12,18}\\d(?![\\d-])");

    private record Secret(String kind, Pattern pattern) {
    }

    private static final List<Secret> SECRETS = List.of(
            new Secret("private key", Pattern.compile("-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----")),
            new Secret("OpenAI key", Pattern.compile("\\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
            new Secret("AWS access key", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")),
            new Secret("GitHub token", Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{36,}\\b")),
            new Secret("Slack token", Pattern.compile("\\bxox[abprs]-[A-Za-z0-9-]{10,}")),
            new Secret("Stripe key", Pattern.compile("\\b(?:sk|rk)_live_[A-Za-z0-9]{16,}")),
            new Secret("Google API key", Pattern.compile("\\bAIza[0-9A-Za-z_-]{35}\\b")),
            new Secret("JSON web token", Pattern.compile("\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}")));

    private final Severity cardSeverity;
    private final Severity credentialSeverity;

    public SensitiveData(Severity cardSeverity, Severity credentialSeverity) {
        this.cardSeverity = cardSeverity;
        this.credentialSeverity = credentialSeverity;
    }

    List<Finding> scan(String text) {
        List<Finding> findings = new ArrayList<>();
        Matcher card = CARD_CANDIDATE.matcher(text);
        while (card.find()) {
            String digits = card.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && luhnValid(digits)) {
                findings.add(new Finding("sensitive.payment-card", Category.PAYMENT_CARD, cardSeverity,
                        Redaction.card(digits)));
                break;
            }
        }
        for (Secret secret : SECRETS) {
            Matcher m = secret.pattern().matcher(text);
            if (m.find()) {
                findings.add(new Finding("sensitive.credential", Category.CREDENTIAL, credentialSeverity,
                        Redaction.secret(secret.kind(), m.group())));
                break;
            }
        }
        return findings;
    }

    /** The Luhn checksum card numbers carry. */
    static boolean luhnValid(String digits) {
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
