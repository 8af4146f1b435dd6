package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeadLetterProducerTest {

    @Test
    void everyHandlerOfTheApplicationGetsTheOneProducer() {
        try (DeadLetterProducer deadLetters = new DeadLetterProducer("127.0.0.1:1", "app")) {
            assertThat(deadLetters.get()).isSameAs(deadLetters.get());
        }
    }

    @Test
    void aClosedProducerIsNotHandedOutAgain() {
        DeadLetterProducer deadLetters = new DeadLetterProducer("127.0.0.1:1", "app");
        deadLetters.get();

        deadLetters.close();

        assertThatThrownBy(deadLetters::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("app");
    }

    @Test
    void closingOneThatWasNeverNeededNeedsNoBroker() {
        DeadLetterProducer deadLetters = new DeadLetterProducer("127.0.0.1:1", "app");

        deadLetters.close();

        assertThatThrownBy(deadLetters::get).isInstanceOf(IllegalStateException.class);
    }
}
