package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLetterProducerTest {

    static final Map<String, Object> APP = Map.of("application.id", "app", "bootstrap.servers", "127.0.0.1:1");

    @Test
    void everyHandlerOfTheApplicationGetsTheOneProducer() {
        try (DeadLetterProducer deadLetters = new DeadLetterProducer(APP)) {
            assertThat(deadLetters.get()).isSameAs(deadLetters.get());
        }
    }

    @Test
    void aClosedProducerIsNotHandedOutAgain() {
        DeadLetterProducer deadLetters = new DeadLetterProducer(APP);
        deadLetters.get();

        deadLetters.close();

        assertThatThrownBy(deadLetters::get)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("app");
    }

    @Test
    void closingOneThatWasNeverNeededNeedsNoBroker() {
        DeadLetterProducer deadLetters = new DeadLetterProducer(APP);

        deadLetters.close();

        assertThatThrownBy(deadLetters::get).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void connectsAsTheApplicationsOwnProducersDoButOutsideTransactions() {
        Map<String, Object> streams = Map.of(
                "application.id",
                "app",
                "bootstrap.servers",
                "broker:9093",
                "processing.guarantee",
                "exactly_once_v2",
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.truststore.location",
                "/etc/kafka/truststore.p12",
                "producer.compression.type",
                "zstd");

        try (DeadLetterProducer deadLetters = new DeadLetterProducer(streams)) {
            assertThat(deadLetters.config())
                    .containsEntry("bootstrap.servers", "broker:9093")
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", streams.get("sasl.jaas.config"))
                    .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12")
                    .containsEntry("compression.type", "zstd")
                    .containsEntry("acks", "all")
                    .containsEntry("client.id", "app-dead-letters")
                    .doesNotContainKey("transactional.id")
                    .doesNotContainEntry("delivery.timeout.ms", Integer.MAX_VALUE);
        }
    }
}
