package app.donna.projections.engine;

import static org.awaitility.Awaitility.await;

import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.Topic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;

/** A projection's live projector for a test, and waiting for it to have read its topics to their end. */
public final class LiveProjector {

    private LiveProjector() {}

    /** The real {@link BatchProjector}, started, with small batches; dead letters are not written. */
    public static BatchProjector start(Projection projection, DSLContext db, String servers) {
        BatchProjector projector = new BatchProjector(
                projection,
                db,
                (record, error) -> {},
                new ProjectorSettings(
                        true, 500, Duration.ofMillis(100), Duration.ofMillis(20), 3, Duration.ofSeconds(1), false),
                Map.of("bootstrap.servers", servers),
                Clock.systemUTC(),
                RecordTracing.noop(),
                new SimpleMeterRegistry());
        projector.start();
        return projector;
    }

    /** Waits until the projection's stored offsets are its topics' end offsets. */
    public static void awaitAtTheEnd(Projection projection, DSLContext db, String servers) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<TopicPartition, Long> stored = new HashMap<>();
                    db.fetch(
                                    "SELECT topic, kafka_partition, next_offset FROM projector_offsets WHERE projector = ?",
                                    projection.name())
                            .forEach(r -> stored.put(
                                    new TopicPartition(r.get(0, String.class), r.get(1, Integer.class)),
                                    r.get(2, Long.class)));
                    try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
                        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                        for (Topic<?> topic : projection.topics()) {
                            for (int p = 0; p < topic.partitions(); p++) {
                                request.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
                            }
                        }
                        return admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                                .allMatch(e -> e.getValue().offset() == 0
                                        || Long.valueOf(e.getValue().offset()).equals(stored.get(e.getKey())));
                    }
                });
    }
}
