package app.donna.abuse.screening;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SensitiveDataTest {

    @Test
    void luhnAcceptsRealTestCardNumbersAndRejectsNearMisses() {
        assertThat(SensitiveData.luhnValid("4111111111111111")).isTrue();
        assertThat(SensitiveData.luhnValid("5555555555554444")).isTrue();
        assertThat(SensitiveData.luhnValid("378282246310005")).isTrue();
        assertThat(SensitiveData.luhnValid("4111111111111112")).isFalse();
    }

    @Test
    void evidenceKeepsOnlyTheLastFourDigits() {
        var findings = new SensitiveData(Severity.HIGH, Severity.HIGH).scan("5555-5555-5555-4444");

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.category()).isEqualTo(Category.PAYMENT_CARD);
            assertThat(f.evidence()).isEqualTo("card number, 16 digits, ending 4444");
        });
    }
}
