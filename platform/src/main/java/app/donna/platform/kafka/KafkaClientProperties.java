package app.donna.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.StringUtils;

/**
 * The settings every Kafka client a service builds itself starts from (stream apps, tailing consumers,
 * projectors, the dead-letter recoverer, the health check): Spring Boot's
 * {@code spring.kafka.*} for that kind of client, that is the common {@code security.*}, {@code ssl.*} and
 * {@code properties.*} (SASL mechanism and JAAS login, for one) and then the kind's own section, with the
 * connection details (bootstrap servers, security protocol, SSL bundle) applied on top as Boot applies
 * them to the clients it builds. Callers put only their own settings on top.
 *
 * <p>A client made from the bootstrap address alone would speak plaintext to a cluster that wants SASL or
 * TLS, so nothing else makes a client's settings. Each call returns a new map the caller may change.
 */
public final class KafkaClientProperties {

    private final KafkaProperties properties;
    private final KafkaConnectionDetails connection;

    public KafkaClientProperties(KafkaProperties properties, KafkaConnectionDetails connection) {
        this.properties = properties;
        this.connection = connection;
    }

    /** Settings of a producer: {@code spring.kafka.producer.*} on the common ones. */
    public Map<String, Object> producer() {
        return withConnection(properties.buildProducerProperties(), connection.getProducer());
    }

    /** Settings of a consumer: {@code spring.kafka.consumer.*} on the common ones. */
    public Map<String, Object> consumer() {
        return withConnection(properties.buildConsumerProperties(), connection.getConsumer());
    }

    /**
     * {@code consumerConfig} for a consumer that reads partitions it assigns itself: no group, no commits,
     * committed records only, key and value as bytes (the caller hands in byte deserializers).
     */
    public static Map<String, Object> assigningReader(Map<String, Object> consumerConfig) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    /** Settings of an admin client: {@code spring.kafka.admin.*} on the common ones. */
    public Map<String, Object> admin() {
        return withConnection(properties.buildAdminProperties(), connection.getAdmin());
    }

    /**
     * Settings of a Kafka Streams application: {@code spring.kafka.streams.*} on the common ones. Kafka
     * Streams hands the connection settings on to the clients it makes.
     */
    public Map<String, Object> streams() {
        return withConnection(properties.buildStreamsProperties(), connection.getStreams());
    }

    private static Map<String, Object> withConnection(
            Map<String, Object> built, KafkaConnectionDetails.Configuration connection) {
        Map<String, Object> config = new HashMap<>(built);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", connection.getBootstrapServers()));
        if (StringUtils.hasLength(connection.getSecurityProtocol())) {
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, connection.getSecurityProtocol());
        }
        SslBundle bundle = connection.getSslBundle();
        if (bundle != null) {
            config.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
            config.put(SslBundle.class.getName(), bundle);
        }
        return config;
    }
}
