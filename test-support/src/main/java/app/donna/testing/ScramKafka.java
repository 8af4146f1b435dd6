package app.donna.testing;

import app.donna.localinfra.LocalKafka;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Kafka broker of its own for a test that proves clients carry their credentials: its only client
 * listener requires SASL/SCRAM-SHA-256, as a managed Kafka does, so a client that forgot them gets
 * nowhere. Unlike the shared broker ({@link SharedInfra}) it is started by the test that needs it and
 * stopped by {@link #close()}; always in this JVM, whatever {@code DONNA_TEST_KAFKA} says.
 */
public final class ScramKafka implements AutoCloseable {

    private final LocalKafka kafka;
    private final LocalKafka.ScramUser user;

    private ScramKafka(LocalKafka kafka, LocalKafka.ScramUser user) {
        this.kafka = kafka;
        this.user = user;
    }

    /** Starts a broker with one user, {@code donna}, whose password is made up for this broker. */
    public static ScramKafka start() {
        LocalKafka.ScramUser user =
                new LocalKafka.ScramUser("donna", UUID.randomUUID().toString());
        return new ScramKafka(
                LocalKafka.startWithScram(SharedInfra.scratchDir("donna-test-kafka-scram"), 0, user), user);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** What a plain Kafka client needs to reach the broker, credentials included. */
    public Map<String, Object> clientProperties() {
        return kafka.clientProperties();
    }

    /**
     * The Spring Boot properties a service needs to reach the broker: the address, then the credentials
     * exactly as production sets them ({@code spring.kafka.security.protocol} and
     * {@code spring.kafka.properties.sasl.*}).
     */
    public Map<String, String> springProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
        p.put("spring.kafka.security.protocol", "SASL_PLAINTEXT");
        p.put("spring.kafka.properties.sasl.mechanism", "SCRAM-SHA-256");
        p.put("spring.kafka.properties.sasl.jaas.config", user.jaasConfig());
        return p;
    }

    /** {@link #springProperties()} as command-line arguments. */
    public List<String> springArguments() {
        return springProperties().entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toList();
    }

    @Override
    public void close() {
        kafka.close();
    }
}
