package app.donna.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Apache Kafka in a container, for machines where a Docker engine runs and it is asked for. */
final class ContainerKafka {

    private ContainerKafka() {}

    static String start() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("DONNA_TEST_KAFKA=testcontainers but no Docker engine answers; "
                    + "unset it to use the in-JVM broker");
        }
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.2");
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "stop-kafka-container"));
        return kafka.getBootstrapServers();
    }
}
