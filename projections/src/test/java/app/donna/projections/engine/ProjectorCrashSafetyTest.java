package app.donna.projections.engine;

import static app.donna.projections.db.Tables.CHAT_MESSAGES;
import static app.donna.projections.db.Tables.PROJECTOR_OFFSETS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.platform.observability.RecordTracing;
import app.donna.projections.chat.ChatProjection;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;

/**
 * Rows and offsets are committed together: a projector that dies in the middle of writing a batch, again
 * and again while events keep arriving, still ends with every event exactly once.
 */
@ExtendWith(InfraExtension.class)
class ProjectorCrashSafetyTest {

    static final int MESSAGES = 10_000;

    /** Simulates the process dying: thrown after the rows are written, before the commit. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash mid-batch");
        }
    }

    /** The real chat projection, under a test-only name, dying after its n-th batch. */
    static final class CrashingProjection implements Projection {
        private final ChatProjection delegate = new ChatProjection();
        private final String name;
        private final int crashAtBatch;
        private final AtomicInteger batches = new AtomicInteger();

        CrashingProjection(String name, int crashAtBatch) {
            this.name = name;
            this.crashAtBatch = crashAtBatch;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<Topic<?>> topics() {
            return delegate.topics();
        }

        @Override
        public List<String> tables() {
            return delegate.tables();
        }

        @Override
        public void apply(DSLContext tx, List<ProjectedEvent> batch) {
            delegate.apply(tx, batch);
            if (batches.incrementAndGet() == crashAtBatch) {
                throw new SimulatedCrash();
            }
        }
    }

    HikariDataSource dataSource;
    final List<BatchProjector> projectors = new ArrayList<>();

    @AfterEach
    void tearDown() {
        projectors.forEach(BatchProjector::close);
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @Test
    void tenThousandMessagesThroughThreeCrashesEndAsExactlyTenThousandRows(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given a database of its own, so no other projector writes these tables
        dataSource = MigratedDatabase.create("crash_safety");
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        String user = "crash-" + UUID.randomUUID();
        String projector = "chat-crash-" + UUID.randomUUID().toString().substring(0, 8);
        ProjectorSettings settings = new ProjectorSettings(
                true, 300, Duration.ofMillis(100), Duration.ofMillis(50), 3, Duration.ofSeconds(1), false);
        Map<String, Object> consumerConfig = Map.of("bootstrap.servers", kafka.servers());
        // the topic may hold other tests' bad records; this test's own are all counted below
        ConsumerRecordRecoverer recordDeadLetters = (record, error) -> {};

        CatalogTopics.create(kafka.servers());

        // when 10,000 messages are published while projector instances crash mid-batch, three times
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publish(kafka.servers(), user, MESSAGES));
        for (int crash = 1; crash <= 3; crash++) {
            BatchProjector instance = new BatchProjector(
                    new CrashingProjection(projector, 2 + crash),
                    dsl,
                    recordDeadLetters,
                    settings,
                    consumerConfig,
                    Clock.systemUTC(),
                    RecordTracing.noop(),
                    new SimpleMeterRegistry());
            projectors.add(instance);
            instance.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> instance.failure() instanceof SimulatedCrash);
            instance.close();
        }
        long rowsBeforeLastStart = count(dsl, user);
        BatchProjector survivor = new BatchProjector(
                new CrashingProjection(projector, Integer.MAX_VALUE),
                dsl,
                recordDeadLetters,
                settings,
                consumerConfig,
                Clock.systemUTC(),
                RecordTracing.noop(),
                new SimpleMeterRegistry());
        projectors.add(survivor);
        survivor.start();
        publishing.get(120, TimeUnit.SECONDS);

        // then, once the survivor has read to the end of the topic, every message is there exactly once
        Map<Integer, Long> end = endOffsets(kafka.servers());
        await().atMost(Duration.ofSeconds(120))
                .until(() -> storedOffsets(dsl, projector).equals(end));
        assertThat(rowsBeforeLastStart).as("the crashes happened mid-stream").isLessThan(MESSAGES);
        assertThat(count(dsl, user)).isEqualTo(MESSAGES);
        assertThat(dsl.select(DSL.countDistinct(CHAT_MESSAGES.MESSAGE_ID))
                        .from(CHAT_MESSAGES)
                        .where(CHAT_MESSAGES.USER_ID.eq(user))
                        .fetchOne(0, Long.class))
                .isEqualTo(MESSAGES);
        assertThat(survivor.isRunning())
                .as("no duplicate ever made the survivor fail")
                .isTrue();
    }

    static Map<Integer, Long> endOffsets(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            var partitions = admin.describeTopics(List.of(Topics.CHAT_SCREENED.name()))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(Topics.CHAT_SCREENED.name())
                    .partitions();
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            partitions.forEach(p ->
                    request.put(new TopicPartition(Topics.CHAT_SCREENED.name(), p.partition()), OffsetSpec.latest()));
            Map<Integer, Long> end = new java.util.TreeMap<>();
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> {
                if (info.offset() > 0) { // an empty partition leaves no stored offset
                    end.put(tp.partition(), info.offset());
                }
            });
            return end;
        }
    }

    static Map<Integer, Long> storedOffsets(DSLContext dsl, String projector) {
        Map<Integer, Long> stored = new java.util.TreeMap<>();
        dsl.selectFrom(PROJECTOR_OFFSETS)
                .where(PROJECTOR_OFFSETS.PROJECTOR.eq(projector))
                .forEach(r -> stored.put(r.getKafkaPartition(), r.getNextOffset()));
        return stored;
    }

    static long count(DSLContext dsl, String user) {
        return dsl.fetchCount(CHAT_MESSAGES, CHAT_MESSAGES.USER_ID.eq(user));
    }

    static void publish(String servers, String user, int messages) {
        Map<String, Object> config =
                Map.of("bootstrap.servers", servers, "acks", "all", "enable.idempotence", true, "linger.ms", 5);
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sessions.add(UUID.randomUUID());
        }
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                config, new StringSerializer(), new CatalogSerializer())) {
            for (int i = 0; i < messages; i++) {
                UUID session = sessions.get(i % sessions.size());
                ChatMessageScreened event = ChatMessageScreened.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .setSessionId(session)
                        .setMessageId(UUID.randomUUID())
                        .setUserId(user)
                        .setText("message " + i)
                        .setVerdict(app.donna.events.common.Verdict.newBuilder()
                                .setDecision(app.donna.events.common.Decision.ALLOW)
                                .build())
                        .setSubmittedEventId(UUID.randomUUID())
                        .build();
                producer.send(new ProducerRecord<>(Topics.CHAT_SCREENED.name(), session.toString(), event));
                if (i % 1000 == 999) {
                    producer.flush();
                }
            }
            producer.flush();
        }
    }
}
