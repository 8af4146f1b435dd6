package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.testapp.PlatformTestApplication;
import app.donna.schemas.Topics;
import app.donna.testing.ScramKafka;
import app.donna.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A service on a cluster that, like any managed Kafka, takes only authenticated clients: its own broker
 * whose one client listener requires SASL/SCRAM-SHA-256, and the credentials given only as Spring Boot
 * properties. Every kind of client the platform builds must get through (Boot's template and listener,
 * the dead-letter recoverer, the health check, a stream app with its dead-letter producer, producers and
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
    void aStreamAppProcessesAndDeadLettersThroughTheCluster() throws Exception {
        // given a stream app wired as every Donna stream app is: doubles numbers, dead-letters the rest
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
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.Integer()))
                .mapValues(n -> n * 2)
                .to(out, Produced.with(Serdes.String(), Serdes.Integer()));
        Properties props = ManagedStreams.defaults(
                clients,
                "sasl-doubler-" + UUID.randomUUID(),
                Files.createTempDirectory("sasl-streams"),
                1,
                Duration.ofMillis(20));
        ManagedStreams streams = new ManagedStreams(builder.build(), props, new EagerCommits(Duration.ofMillis(20)));
        streams.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

            // when a number and something that is not one arrive
            byte[] notANumber = "seven".getBytes(StandardCharsets.UTF_8);
            try (var producer =
                    new KafkaProducer<>(clients.producer(), new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(in, "k".getBytes(), notANumber))
                        .get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(
                                in,
                                "k".getBytes(),
                                Serdes.Integer().serializer().serialize(in, 21)))
                        .get(30, TimeUnit.SECONDS);
            }

            // then the number comes out doubled, committed, and the other went to the dead-letter topic
            assertThat(read(out, r -> true))
                    .extracting(r -> Serdes.Integer().deserializer().deserialize(out, r.value()))
                    .containsExactly(42);
            assertThat(read(in + ".DLT", r -> Arrays.equals(r.value(), notANumber)))
                    .singleElement()
                    .satisfies(r -> assertThat(TopicReader.header(r, "kafka_dlt-original-topic"))
                            .isEqualTo(in));
            assertThat(streams.health().getStatus()).isEqualTo(Status.UP);
        } finally {
            streams.stop();
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
