package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The deadlines' defaults, and the combinations refused at start-up. */
class ChatSettingsTest {

    final Validator validator = Validation.buildDefaultValidatorFactory().getValidator();

    @Test
    void theDeadlinesDefaultToSecondsAndAreConsistent() {
        ChatSettings settings = bind(Map.of());

        assertThat(settings.llm().slowNotice()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.llm().firstTokenTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.llm().answerTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.stalledAfter()).isEqualTo(Duration.ofSeconds(120));
        assertThat(validator.validate(settings)).isEmpty();
    }

    @Test
    void aFirstTokenDeadlineBeyondTheAnswerDeadlineIsRefused() {
        assertThat(validator.validate(bind(Map.of("donna.chat.llm.first-token-timeout", "90s"))))
                .extracting(ConstraintViolation::getMessage)
                .singleElement()
                .asString()
                .contains("first-token-timeout");
    }

    @Test
    void healthThatWouldCallAnAnswerStalledBeforeItIsDueIsRefused() {
        assertThat(validator.validate(bind(Map.of("donna.chat.stalled-after", "30s"))))
                .extracting(ConstraintViolation::getMessage)
                .singleElement()
                .asString()
                .contains("stalled-after");
    }

    private static ChatSettings bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("donna.chat", ChatSettings.class);
    }
}
