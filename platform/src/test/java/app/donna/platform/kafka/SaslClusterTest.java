package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.schemas.Topics;
import app.donna.testing.ScramKafka;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A service on a cluster that, like any managed Kafka, takes only authenticated clients: its own broker
 * whose one client listener requires SASL/SCRAM-SHA-256, and the credentials given only as Spring Boot
 * properties. Every kind of client the platform builds must get through (Boot's template and listener,
 * the dead-letter recoverer, the health check, a stream app run by Spring Kafka, producers and
 * consumers from {@link KafkaClientProperties}), while a client that knows only the address gets nowhere.
 */
class SaslClusterTest {

    static ScramKafka kafka;
    static ConfigurableApplicationContext service;
    static KafkaClientProperties clients;

    @BeforeAll
    static void startClusterAndService() {
        kafka = ScramKafka.start();
        List<String> args = new ArrayList<>(kafka.springArguments());
        args.addAll(List.of(
                "--platform-test.listener=true",
                "--donna.security.jwt.jwk-set-uri=http://127.0.0.1:9/unused",
                "--donna.kafka.retry.max-attempts=0",
                "--spring.main.web-application-type=none"));
        service = new SpringApplicationBuilder(PlatformTestApplication.class).run(args.toArray(String[]::new));
        clients = service.getBean(KafkaClientProperties.class);
    }

    @AfterAll
    static void stopServiceThenCluster() {
        if (service != null) {
            service.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aClientWithoutTheCredentialsGetsNowhere() {
        try (Admin plaintext = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertThatThrownBy(() -> plaintext
                            .describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                            .nodes()
                            .get())
                    .hasCauseInstanceOf(TimeoutException.class);
        }
    }

    @Test
    void theHealthCheckReachesTheCluster() {
        KafkaClusterHealthIndicator health = service.getBean("kafka", KafkaClusterHealthIndicator.class);

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    @SuppressWarnings("unchecked")
    void bootsListenerGetsEventsAndTheRecovererDeadLettersPoison() throws Exception {
        KafkaTemplate<String, SpecificRecordBase> template = service.getBean(KafkaTemplate.class);
        BlockingQueue<SpecificRecordBase> processed = service.getBean("processed", BlockingQueue.class);
        byte[] poison = ("not an event " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        ChatMessageSubmitted good = message("a good message");

        try (var producer =
                new KafkaProducer<>(clients.producer(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHAT_INBOUND.name(), "poison".getBytes(), poison))
                    .get(30, TimeUnit.SECONDS);
        }
        template.send(Topics.CHAT_INBOUND.name(), good.getSessionId().toString(), good)
                .get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(60)).until(() -> processed.contains(good));
        assertThat(read(Topics.CHAT_INBOUND.deadLetterName(), r -> Arrays.equals(r.value(), poison)))
                .isNotEmpty();
    }

    @Test
    void aStreamAppProcessesAndDeadLettersThroughTheClusterAndKeepsItsStateWhenStopped() throws Exception {
        // given a service running a stream app wired as every Donna stream app is: doubles numbers, counts
        // them in a store, dead-letters the rest
        String in = "sasl-numbers-" + UUID.randomUUID();
        String out = in + "-doubled";
        try (Admin admin = Admin.create(clients.admin())) {
            admin.createTopics(List.of(
                            new NewTopic(in, 1, (short) 1),
                            new NewTopic(in + ".DLT", 1, (short) 1),
                            new NewTopic(out, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        Path stateDir = SharedInfra.scratchDir("sasl-streams");
        String applicationId = "sasl-doubler-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(kafka.springArguments());
        args.addAll(List.of(
                "--doubler.in=" + in,
                "--doubler.out=" + out,
                "--doubler.application-id=" + applicationId,
                "--doubler.state-dir=" + stateDir,
                "--donna.security.jwt.jwk-set-uri=http://127.0.0.1:9/unused",
                "--spring.main.web-application-type=none"));
        ConfigurableApplicationContext doubler = new SpringApplicationBuilder(
                        PlatformTestApplication.class, Doubler.class)
                .run(args.toArray(String[]::new));
        try {
            HealthIndicator health = doubler.getBean("kafkaStreams", HealthIndicator.class);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> health.health().getStatus().equals(Status.UP));

            // when something that is not a number and then a number arrive
            byte[] notANumber = "seven".getBytes(StandardCharsets.UTF_8);
            RecordMetadata poison;
            try (var producer =
                    new KafkaProducer<>(clients.producer(), new ByteArraySerializer(), new ByteArraySerializer())) {
                poison = producer.send(new ProducerRecord<>(in, "k".getBytes(), notANumber))
                        .get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(
                                in,
                                "k".getBytes(),
                                Serdes.Integer().serializer().serialize(in, 21)))
                        .get(30, TimeUnit.SECONDS);
            }

            // then the number comes out doubled, committed, and the other went to the dead-letter topic with
            // the headers Spring's recoverer writes for listeners, and no transaction of its own
            assertThat(read(out, r -> true))
                    .extracting(r -> Serdes.Integer().deserializer().deserialize(out, r.value()))
                    .containsExactly(42);
            assertThat(read(in + ".DLT", r -> Arrays.equals(r.value(), notANumber)))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(r.partition()).isEqualTo(poison.partition());
                        assertThat(TopicReader.header(r, "kafka_dlt-original-topic"))
                                .isEqualTo(in);
                        assertThat(ByteBuffer.wrap(r.headers()
                                                .lastHeader("kafka_dlt-original-partition")
                                                .value())
                                        .getInt())
                                .isEqualTo(poison.partition());
                        assertThat(ByteBuffer.wrap(r.headers()
                                                .lastHeader("kafka_dlt-original-offset")
                                                .value())
                                        .getLong())
                                .isEqualTo(poison.offset());
                        assertThat(TopicReader.header(r, "kafka_dlt-original-consumer-group"))
                                .isEqualTo(applicationId);
                        assertThat(TopicReader.header(r, "kafka_dlt-exception-cause-fqcn"))
                                .isEqualTo(SerializationException.class.getName());
                        assertThat(TopicReader.header(r, DonnaKafkaAutoConfiguration.REASON_HEADER))
                                .startsWith("SerializationException: ");
                    });
            assertThat(doubler.getBean(MeterRegistry.class).getMeters())
                    .extracting(meter -> meter.getId().getName())
                    .anyMatch(name -> name.startsWith("kafka.stream."));
        } finally {
            doubler.close();
        }

        // and stopping left the group at once, so a restarted or replacement instance need not wait out the
        // session timeout (45 s) for the partitions: the group has no member left
        try (Admin admin = Admin.create(clients.admin())) {
            assertThat(admin.describeConsumerGroups(List.of(applicationId))
                            .all()
                            .get(30, TimeUnit.SECONDS)
                            .get(applicationId)
                            .members())
                    .isEmpty();
        }

        // and stopping left the local state where a restart finds it
        assertThat(stateDir.resolve(applicationId)
                        .resolve("0_0")
                        .resolve("rocksdb")
                        .resolve(Doubler.STORE))
                .isDirectory();
    }

    /** A stream app as a Donna service declares one: its settings and topology; the platform adds the rest. */
    @Configuration(proxyBeanMethods = false)
    @EnableKafkaStreams
    static class Doubler {
        static final String STORE = "doubled-count";

        @Bean(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
        KafkaStreamsConfiguration doublerConfig(
                KafkaStreamsDefaults defaults,
                @Value("${doubler.application-id}") String applicationId,
                @Value("${doubler.state-dir}") Path stateDir) {
            return new KafkaStreamsConfiguration(defaults.forApplication(applicationId, stateDir));
        }

        @Bean
        KafkaStreamsInfrastructureCustomizer doubling(
                @Value("${doubler.in}") String in, @Value("${doubler.out}") String out) {
            return new KafkaStreamsInfrastructureCustomizer() {
                @Override
                public void configureBuilder(StreamsBuilder builder) {
                    KStream<String, Integer> doubled = builder.stream(
                                    in, Consumed.with(Serdes.String(), Serdes.Integer()))
                            .mapValues(n -> n * 2);
                    doubled.to(out, Produced.with(Serdes.String(), Serdes.Integer()));
                    doubled.groupByKey()
                            .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
                                    .withKeySerde(Serdes.String()));
                }
            };
        }
    }

    /** The committed records of {@code topic} that match, read with a consumer of the platform's settings. */
    private static List<ConsumerRecord<byte[], byte[]>> read(
            String topic, Predicate<ConsumerRecord<byte[], byte[]>> wanted) {
        Map<String, Object> config = clients.consumer();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-reader-" + UUID.randomUUID());
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (wanted.test(r)) {
                        found.add(r);
                    }
                });
                return !found.isEmpty();
            });
        }
        return found;
    }

    private static ChatMessageSubmitted message(String text) {
        return ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setMessageId(UUID.randomUUID())
                .setUserId("user_sasl")
                .setText(text)
                .build();
    }
}
