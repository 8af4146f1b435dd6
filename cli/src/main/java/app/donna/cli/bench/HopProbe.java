package app.donna.cli.bench;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where a chat message's time goes: watches each topic of the pipeline, as committed and as uncommitted
 * readers see it, and notes when each message (by message id) first shows up at each point. Each point
 * is one consumer thread on the shared machine, so tracing costs a little of what it measures; the bench
 * runs it only with {@code --trace-hops}.
 */
final class HopProbe implements AutoCloseable {

    /** A point on the path, in path order. */
    enum Point {
        INBOUND(Topics.CHAT_INBOUND.name(), "read_committed", "message on donna.chat.inbound"),
        SCREENED_WRITTEN(Topics.CHAT_SCREENED.name(), "read_uncommitted", "verdict written (uncommitted)"),
        SCREENED_COMMITTED(Topics.CHAT_SCREENED.name(), "read_committed", "verdict committed"),
        FIRST_DELTA(Topics.CHAT_REPLY_FRAGMENTS.name(), "read_uncommitted", "first reply delta"),
        REPLY_WRITTEN(Topics.CHAT_REPLIES.name(), "read_uncommitted", "reply written (uncommitted)"),
        REPLY_COMMITTED(Topics.CHAT_REPLIES.name(), "read_committed", "reply committed");

        final String topic;
        final String isolation;
        final String label;

        Point(String topic, String isolation, String label) {
            this.topic = topic;
            this.isolation = isolation;
            this.label = label;
        }
    }

    private final EventCodec codec = EventCodec.bundled();
    private final Map<Point, Map<UUID, Long>> seen = new ConcurrentHashMap<>();
    private final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    HopProbe(String bootstrapServers) {
        // One consumer per topic and isolation level; the points sharing one are told apart by event type.
        Map<String, List<Point>> byReader = new HashMap<>();
        for (Point p : Point.values()) {
            seen.put(p, new ConcurrentHashMap<>());
            byReader.computeIfAbsent(p.topic + "|" + p.isolation, k -> new ArrayList<>())
                    .add(p);
        }
        byReader.forEach((reader, points) -> {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    Map.<String, Object>of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            bootstrapServers,
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                            points.getFirst().isolation,
                            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                            100,
                            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                            false),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(points.getFirst().topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            consumers.add(consumer);
            threads.add(Thread.ofPlatform().daemon().name("hop-probe-" + reader).start(() -> watch(consumer, points)));
        });
    }

    private void watch(KafkaConsumer<byte[], byte[]> consumer, List<Point> points) {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.nanoTime();
                    SpecificRecordBase event;
                    try {
                        event = codec.decode(record.value());
                    } catch (RuntimeException e) {
                        continue;
                    }
                    for (Point p : points) {
                        messageId(p, event).ifPresent(id -> seen.get(p).putIfAbsent(id, now));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        }
    }

    private static Optional<UUID> messageId(Point point, SpecificRecordBase event) {
        return switch (point) {
            case INBOUND -> event instanceof ChatMessageSubmitted m ? Optional.of(m.getMessageId()) : Optional.empty();
            case SCREENED_WRITTEN, SCREENED_COMMITTED ->
                event instanceof ChatMessageScreened m ? Optional.of(m.getMessageId()) : Optional.empty();
            case FIRST_DELTA ->
                event instanceof ChatReplyDelta d ? Optional.of(d.getInReplyToMessageId()) : Optional.empty();
            case REPLY_WRITTEN, REPLY_COMMITTED ->
                event instanceof ChatReplyProduced r ? Optional.of(r.getInReplyToMessageId()) : Optional.empty();
        };
    }

    /**
     * Per step, the time from the previous point (the POST for the first) as p50 / p99 in ms, over the
     * messages seen at both ends.
     */
    String report(Map<UUID, Long> postedAt, Map<UUID, Long> deliveredAt, Iterable<UUID> measured) {
        StringBuilder out = new StringBuilder("where the time goes (p50 / p99 ms per step):\n");
        Map<UUID, Long> previous = postedAt;
        String previousLabel = "POST";
        List<Map.Entry<String, Map<UUID, Long>>> steps = new ArrayList<>();
        for (Point p : Point.values()) {
            steps.add(Map.entry(p.label, seen.get(p)));
        }
        steps.add(Map.entry("reply on the SSE stream", deliveredAt));
        for (Map.Entry<String, Map<UUID, Long>> step : steps) {
            List<Double> ms = new ArrayList<>();
            for (UUID id : measured) {
                Long from = previous.get(id);
                Long to = step.getValue().get(id);
                if (from != null && to != null) {
                    ms.add((to - from) / 1e6);
                }
            }
            double[] sorted =
                    ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.append(String.format(
                    "  %-30s -> %-30s %7.1f / %7.1f  (%d)%n",
                    previousLabel,
                    step.getKey(),
                    ChatBench.pct(sorted, 0.5),
                    ChatBench.pct(sorted, 0.99),
                    sorted.length));
            previous = step.getValue();
            previousLabel = step.getKey();
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumers.forEach(KafkaConsumer::wakeup);
        for (Thread t : threads) {
            t.join(5000);
        }
        consumers.forEach(KafkaConsumer::close);
    }
}
