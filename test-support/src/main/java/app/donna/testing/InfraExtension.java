package app.donna.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class the shared Kafka broker and database ({@link SharedInfra}) and publishes their
 * addresses as system properties before any Spring context of the class starts:
 * {@code spring.kafka.bootstrap-servers}, {@code spring.datasource.url}, {@code .username} and
 * {@code .password}. Test methods may also take a {@link SharedInfra.Database} or a {@link KafkaBootstrap}
 * parameter.
 */
public final class InfraExtension implements BeforeAllCallback, ParameterResolver {

    /** The shared broker's bootstrap servers, as a parameter type. */
    public record KafkaBootstrap(String servers) {}

    @Override
    public void beforeAll(ExtensionContext context) {
        System.setProperty("spring.kafka.bootstrap-servers", SharedInfra.kafkaBootstrapServers());
        SharedInfra.Database db = SharedInfra.database();
        System.setProperty("spring.datasource.url", db.jdbcUrl());
        System.setProperty("spring.datasource.username", db.username());
        System.setProperty("spring.datasource.password", db.password());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == SharedInfra.Database.class || type == KafkaBootstrap.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SharedInfra.Database.class
                ? SharedInfra.database()
                : new KafkaBootstrap(SharedInfra.kafkaBootstrapServers());
    }
}
