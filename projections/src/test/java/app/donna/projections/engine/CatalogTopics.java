package app.donna.projections.engine;

import static org.awaitility.Awaitility.await;

import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The catalog's topics and dead-letter topics, created as the services create them at start-up. Tests of
 * the engine run no service, and must not rely on an earlier test class having started one.
 */
public final class CatalogTopics {

    private CatalogTopics() {}

    public static void create(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            Map<TopicPartition, OffsetSpec> everyPartition = new HashMap<>();
            for (Topic<?> topic : Topics.ALL) {
                for (String name : List.of(topic.name(), topic.deadLetterName())) {
                    if (!existing.contains(name)) {
                        missing.add(new NewTopic(name, topic.partitions(), (short) 1));
                    }
                    for (int p = 0; p < topic.partitions(); p++) {
                        everyPartition.put(new TopicPartition(name, p), OffsetSpec.latest());
                    }
                }
            }
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            // Producing to a partition whose new leader is not serving yet can trip the idempotent producer's
            // sequence checks (it resends from sequence 0); wait until every partition answers offset requests.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                admin.listOffsets(everyPartition).all().get(10, TimeUnit.SECONDS);
                return true;
            });
        }
    }
}
