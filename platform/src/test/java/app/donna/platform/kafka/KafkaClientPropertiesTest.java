package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Every kind of hand-built client gets Spring Boot's Kafka settings, security first of all. */
class KafkaClientPropertiesTest {

    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"donna\" password=\"secret\";";

    final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, DonnaKafkaAutoConfiguration.class))
            .withPropertyValues(
                    "donna.kafka.create-topics=false",
                    "spring.kafka.bootstrap-servers=kafka-1.example:9093,kafka-2.example:9093",
                    "spring.kafka.security.protocol=SASL_SSL",
                    "spring.kafka.properties.sasl.mechanism=SCRAM-SHA-256",
                    "spring.kafka.properties.sasl.jaas.config=" + JAAS,
                    "spring.kafka.ssl.trust-store-location=file:/etc/donna/kafka-truststore.p12",
                    "spring.kafka.ssl.trust-store-password=changeit",
                    "spring.kafka.ssl.trust-store-type=PKCS12");

    @Test
    void producersConsumersAdminsAndStreamAppsAllGetTheClustersSecuritySettings() {
        context.run(app -> {
            KafkaClientProperties clients = app.getBean(KafkaClientProperties.class);
            for (Map<String, Object> client :
                    List.of(clients.producer(), clients.consumer(), clients.admin(), clients.streams())) {
                assertThat(client)
                        .containsEntry("bootstrap.servers", "kafka-1.example:9093,kafka-2.example:9093")
                        .containsEntry("security.protocol", "SASL_SSL")
                        .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                        .containsEntry("sasl.jaas.config", JAAS)
                        .containsEntry("ssl.truststore.location", "/etc/donna/kafka-truststore.p12")
                        .containsEntry("ssl.truststore.password", "changeit")
                        .containsEntry("ssl.truststore.type", "PKCS12");
            }
        });
    }

    @Test
    void eachKindOfClientAlsoGetsItsOwnSection() {
        context.withPropertyValues(
                        "spring.kafka.producer.acks=all",
                        "spring.kafka.consumer.group-id=g",
                        "spring.kafka.admin.client-id=admin-1",
                        "spring.kafka.streams.properties.num.standby.replicas=1",
                        "spring.kafka.consumer.security.protocol=SSL")
                .run(app -> {
                    KafkaClientProperties clients = app.getBean(KafkaClientProperties.class);
                    assertThat(clients.producer()).containsEntry("acks", "all");
                    assertThat(clients.consumer())
                            .containsEntry("group.id", "g")
                            .containsEntry("security.protocol", "SSL");
                    assertThat(clients.admin()).containsEntry("client.id", "admin-1");
                    assertThat(clients.streams())
                            .containsEntry("num.standby.replicas", "1")
                            .containsEntry("security.protocol", "SASL_SSL");
                });
    }

    @Test
    void connectionDetailsOfAServiceConnectionWinAsTheyDoForBootsOwnClients() {
        context.withBean(KafkaConnectionDetails.class, () -> () -> List.of("elsewhere:9092"))
                .run(app -> {
                    KafkaClientProperties clients = app.getBean(KafkaClientProperties.class);
                    assertThat(clients.producer()).containsEntry("bootstrap.servers", "elsewhere:9092");
                    assertThat(clients.streams()).containsEntry("bootstrap.servers", "elsewhere:9092");
                });
    }

    @Test
    void theEnvironmentVariablesOfTheReadmeReachEveryClient() {
        Map<String, Object> environment = Map.of(
                "SPRING_KAFKA_BOOTSTRAP_SERVERS", "broker.example:9092",
                "SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN",
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", JAAS,
                "SPRING_KAFKA_SSL_TRUST_STORE_LOCATION", "file:/etc/donna/ca.pem",
                "SPRING_KAFKA_SSL_TRUST_STORE_TYPE", "PEM");
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(KafkaAutoConfiguration.class, DonnaKafkaAutoConfiguration.class))
                .withPropertyValues("donna.kafka.create-topics=false")
                .withInitializer(app -> app.getEnvironment()
                        .getPropertySources()
                        .addFirst(new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment)))
                .run(app -> {
                    KafkaClientProperties clients = app.getBean(KafkaClientProperties.class);
                    for (Map<String, Object> client :
                            List.of(clients.producer(), clients.consumer(), clients.admin(), clients.streams())) {
                        assertThat(client)
                                .containsEntry("bootstrap.servers", "broker.example:9092")
                                .containsEntry("security.protocol", "SASL_SSL")
                                .containsEntry("sasl.mechanism", "PLAIN")
                                .containsEntry("sasl.jaas.config", JAAS)
                                .containsEntry("ssl.truststore.location", "/etc/donna/ca.pem")
                                .containsEntry("ssl.truststore.type", "PEM");
                    }
                });
    }

    @Test
    void theHealthCheckAsksTheClusterWithTheSameSettings() {
        context.run(app -> assertThat(app.getBean(KafkaClusterHealthIndicator.class))
                .extracting("adminConfig")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", JAAS));
    }
}
