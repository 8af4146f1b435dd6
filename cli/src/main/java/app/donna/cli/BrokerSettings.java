package app.donna.cli;

import java.util.HashMap;
import java.util.Map;

/**
 * A command's connection to the broker, from the environment the services take too: {@code
 * DONNA_KAFKA_BOOTSTRAP} and the {@code SPRING_KAFKA_*} security settings (SASL, TLS trust store), so a
 * command reaches a cluster that wants them as the services do.
 */
public final class BrokerSettings {

    private BrokerSettings() {}

    /** The clients' common settings; each call returns a new map the caller may change. */
    public static Map<String, Object> of(Map<String, String> env) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", env.getOrDefault("DONNA_KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
        copy(env, config, "SPRING_KAFKA_SECURITY_PROTOCOL", "security.protocol");
        copy(env, config, "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "sasl.mechanism");
        copy(env, config, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "sasl.jaas.config");
        copy(env, config, "SPRING_KAFKA_SSL_TRUST_STORE_TYPE", "ssl.truststore.type");
        copy(env, config, "SPRING_KAFKA_SSL_TRUST_STORE_PASSWORD", "ssl.truststore.password");
        String trustStore = env.get("SPRING_KAFKA_SSL_TRUST_STORE_LOCATION");
        if (trustStore != null && !trustStore.isBlank()) {
            config.put(
                    "ssl.truststore.location", trustStore.startsWith("file:") ? trustStore.substring(5) : trustStore);
        }
        return config;
    }

    /** A reader of committed records that assigns its partitions itself: no group, no commits. */
    public static Map<String, Object> reader(Map<String, String> env) {
        Map<String, Object> config = of(env);
        config.put("enable.auto.commit", false);
        config.put("isolation.level", "read_committed");
        config.put("max.poll.records", 2_000);
        return config;
    }

    private static void copy(Map<String, String> env, Map<String, Object> config, String variable, String property) {
        String value = env.get(variable);
        if (value != null && !value.isBlank()) {
            config.put(property, value);
        }
    }
}
