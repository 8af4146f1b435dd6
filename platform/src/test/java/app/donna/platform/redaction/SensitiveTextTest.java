package app.donna.platform.redaction;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SensitiveTextTest {

    @Test
    void phonesAndEmailsAreMaskedOnlyWhenAskedCardsAndKeysAlways() {
        String said = "Call me on +44 20 7946 0958 or write to ada@example.co.uk; card 4242 4242 4242 4242, "
                + "key sk-proj-abcdefghijklmnopqrstuvwx";

        assertThat(SensitiveText.redact(said, true, true))
                .isEqualTo("Call me on [phone number] or write to [email address]; card [card number ending 4242], "
                        + "key [redacted OpenAI key]");
        assertThat(SensitiveText.redact(said, false, false))
                .contains("+44 20 7946 0958", "ada@example.co.uk")
                .contains("[card number ending 4242]")
                .doesNotContain("sk-proj-");
    }

    @Test
    void timesPricesAndShortNumbersAreNotPhoneNumbers() {
        String said = "Come at 10:30 on 12/05, it costs 45.50 for 2 people, booking 123456";

        assertThat(SensitiveText.redact(said, true, true)).isEqualTo(said);
    }

    @Test
    void findsTheFirstCardAndCredential() {
        assertThat(SensitiveText.firstCard("order 1234567890123, card 4111-1111-1111-1111"))
                .contains("4111111111111111");
        assertThat(SensitiveText.firstCredential("token ghp_" + "a".repeat(36)))
                .hasValueSatisfying(c -> assertThat(c.kind()).isEqualTo("GitHub token"));
        assertThat(SensitiveText.firstCard("call 555 0100")).isEmpty();
    }
}
