package app.donna.abuse.screening;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SensitiveDataTest {

    @Test
    void luhnAcceptsRealTestCardNumbersAndRejectsNearMisses() {
        assertThat(app.donna.platform.redaction.SensitiveText.luhnValid("4111111111111111"))
                .isTrue();
        assertThat(app.donna.platform.redaction.SensitiveText.luhnValid("5555555555554444"))
                .isTrue();
        assertThat(app.donna.platform.redaction.SensitiveText.luhnValid("378282246310005"))
                .isTrue();
        assertThat(app.donna.platform.redaction.SensitiveText.luhnValid("4111111111111112"))
                .isFalse();
    }

    @Test
    void evidenceKeepsOnlyTheLastFourDigits() {
        var findings = new SensitiveData(Severity.HIGH, Severity.HIGH).scan("5555-5555-5555-4444");

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.category()).isEqualTo(Category.PAYMENT_CARD);
            assertThat(f.evidence()).isEqualTo("card number, 16 digits, ending 4444");
        });
    }

    @Test
    void redactionReplacesEveryCardAndCredentialAndKeepsTheRest() {
        String text = "cards 4111 1111 1111 1111 and 5555-5555-5555-4444, order 4111 1111 1111 1112, "
                + "key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 and AKIAIOSFODNN7EXAMPLE. Thanks!";

        assertThat(SensitiveData.redact(text))
                .isEqualTo("cards [card number ending 1111] and "
                        + "[card number ending 4444], order 4111 1111 1111 1112, key [redacted OpenAI key] and "
                        + "[redacted AWS access key]. Thanks!");
    }

    @Test
    void aPrivateKeyIsRedactedWholeNotJustItsHeader() {
        String text = "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY----- ok?";
        assertThat(SensitiveData.redact(text)).isEqualTo("key: [redacted private key] ok?");
        assertThat(SensitiveData.redact("-----BEGIN PRIVATE KEY----- MIIEow and the rest"))
                .isEqualTo("[redacted private key]");
    }

    @Test
    void textWithNothingSensitiveIsUnchanged() {
        String text = "Book me in next Tuesday at 2pm, call 0044 20 7946 0958";
        assertThat(SensitiveData.redact(text)).isSameAs(text).isEqualTo(text);
    }
}
