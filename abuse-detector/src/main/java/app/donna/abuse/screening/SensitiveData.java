package app.donna.abuse.screening;

import app.donna.platform.redaction.SensitiveText;
import java.util.ArrayList;
import java.util.List;

/**
 * Findings for data that must not travel further: payment card numbers and credentials, as
 * {@link SensitiveText} (shared with the voice relay) recognises them.
 */
public final class SensitiveData {

    private final Severity cardSeverity;
    private final Severity credentialSeverity;

    public SensitiveData(Severity cardSeverity, Severity credentialSeverity) {
        this.cardSeverity = cardSeverity;
        this.credentialSeverity = credentialSeverity;
    }

    List<Finding> scan(String text) {
        List<Finding> findings = new ArrayList<>();
        SensitiveText.firstCard(text)
                .ifPresent(digits -> findings.add(new Finding(
                        "sensitive.payment-card", Category.PAYMENT_CARD, cardSeverity, Redaction.card(digits))));
        SensitiveText.firstCredential(text)
                .ifPresent(secret -> findings.add(new Finding(
                        "sensitive.credential",
                        Category.CREDENTIAL,
                        credentialSeverity,
                        Redaction.secret(secret.kind(), secret.matched()))));
        return findings;
    }

    /** What may be stored of {@code text}: {@link SensitiveText#redact(String)}. */
    public static String redact(String text) {
        return SensitiveText.redact(text);
    }
}
