package app.donna.ingress.chat;

import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.observability.RecordTracing;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.tracing.Span;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of chat replies. Every ingress instance tails all of {@code donna.chat.replies}
 * (assigned, no consumer group, committed records only), so any instance can serve any session's stream
 * and instances scale out freely. Each event's id is {@code <partition>:<offset>}: a client reconnecting
 * with {@code Last-Event-ID} first gets what it missed, read back from Kafka, then the live events, none
 * twice and none lost (a session's events all live in one partition, so the offset orders them).
 */
@Component
class ReplyStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplyStreams.class);

    /** A position in the replies topic, as carried by SSE event ids. */
    record Position(int partition, long offset) {
        static Optional<Position> parse(String lastEventId) {
            if (lastEventId == null || !lastEventId.matches("\\d{1,5}:\\d{1,19}")) {
                return Optional.empty();
            }
            String[] p = lastEventId.split(":");
            try {
                return Optional.of(new Position(Integer.parseInt(p[0]), Long.parseLong(p[1])));
            } catch (NumberFormatException e) {
                return Optional.empty(); // an offset past the largest a log can have
            }
        }

        @Override
        public String toString() {
            return partition + ":" + offset;
        }
    }

    /** One event ready to send. */
    record Event(Position position, String name, Map<String, Object> data) {}

    /** Replays reading the log back at once: each holds a consumer (a connection, buffers, a thread). */
    private static final int CONCURRENT_REPLAYS = 16;

    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> replayConfig;
    private final Semaphore replays = new Semaphore(CONCURRENT_REPLAYS);
    /** Partitions of the replies topic, as the tail found them (0 until it has). */
    private volatile int partitions;

    private final ChatApiSettings settings;
    private final RecordTracing tracing;
    private final MeterRegistry meters;
    private final EventCodec codec = EventCodec.bundled();
    private final Map<UUID, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("reply-stream-heartbeat").daemon().factory());
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> tail;
    private Thread thread;

    ReplyStreams(KafkaClientProperties kafka, ChatApiSettings settings, RecordTracing tracing, MeterRegistry meters) {
        this.tracing = tracing;
        this.meters = meters;
        Map<String, Object> config = KafkaClientProperties.assigningReader(kafka.consumer());
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        this.consumerConfig = config;
        // A replay is a short read of a few records: it must give up in seconds, not the client's minute.
        Map<String, Object> replay = new HashMap<>(config);
        replay.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        replay.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        this.replayConfig = replay;
        this.settings = settings;
    }

    /**
     * Opens a stream of {@code session}'s replies, first replaying what came after {@code lastEventId}. A
     * position that cannot be this session's (another partition than its key's, or one that does not
     * exist) is no position: the stream starts live, as for a first connection.
     */
    SseEmitter open(UUID session, Optional<Position> requested) {
        Optional<Position> lastEventId = requested.filter(p -> p.partition() == partitionOf(session));
        SseEmitter emitter = new SseEmitter(settings.streamTimeout().toMillis());
        Subscriber subscriber = new Subscriber(session, emitter, lastEventId.isPresent());
        subscribers.computeIfAbsent(session, s -> ConcurrentHashMap.newKeySet()).add(subscriber);
        Runnable remove = () -> unsubscribe(subscriber);
        emitter.onCompletion(remove);
        emitter.onTimeout(remove);
        emitter.onError(e -> remove.run());
        // A first comment commits the response now, so clients and proxies see the stream open at once
        // instead of at the first reply or heartbeat.
        subscriber.heartbeat();
        lastEventId.ifPresent(position ->
                Thread.ofVirtual().name("reply-replay-" + session).start(() -> replay(subscriber, position)));
        return emitter;
    }

    /** The partition of {@code donna.chat.replies} a session's events go to (its key's, as producers choose). */
    private int partitionOf(UUID session) {
        int count = partitions;
        return count == 0
                ? -1
                : Utils.toPositive(Utils.murmur2(session.toString().getBytes(StandardCharsets.UTF_8))) % count;
    }

    private void replay(Subscriber subscriber, Position after) {
        TopicPartition tp = new TopicPartition(Topics.CHAT_REPLIES.name(), after.partition());
        String key = subscriber.session.toString();
        try {
            // Each replay holds a consumer (a connection, buffers): only so many at once.
            if (!replays.tryAcquire(10, TimeUnit.SECONDS)) {
                log.warn("Not replaying replies of session {} after {}: too many replays at once", key, after);
                subscriber.finishReplay();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            subscriber.finishReplay();
            return;
        }
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(replayConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            // An id past the end (forged, or from before a topic was re-created) replays nothing; a seek
            // there would reset to the partition's start and read all of it.
            consumer.seek(tp, Math.min(after.offset() + 1, end));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end
                            && record.key() != null
                            && key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        toEvent(record).ifPresent(subscriber::send);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not replay replies of session {} after {}: {}", subscriber.session, after, e.getMessage());
        } finally {
            replays.release();
        }
        subscriber.finishReplay();
    }

    private void unsubscribe(Subscriber subscriber) {
        subscribers.computeIfPresent(subscriber.session, (s, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    Optional<Event> toEvent(ConsumerRecord<byte[], byte[]> record) {
        SpecificRecordBase event;
        try {
            event = codec.decode(record.value());
        } catch (EventCodec.EventDecodingException e) {
            return Optional.empty(); // dead letters are the projector's business; a stream just skips
        }
        Position position = new Position(record.partition(), record.offset());
        Map<String, Object> data = new LinkedHashMap<>();
        return switch (event) {
            case ChatReplyDelta d -> {
                data.put("replyId", d.getReplyId());
                data.put("inReplyTo", d.getInReplyToMessageId());
                data.put("sequence", d.getSequence());
                data.put("delta", d.getDelta());
                yield Optional.of(new Event(position, "delta", data));
            }
            case ChatReplyProduced r -> {
                data.put("replyId", r.getReplyId());
                data.put("inReplyTo", r.getInReplyToMessageId());
                data.put("text", r.getText());
                data.put("degraded", r.getDegraded());
                data.put("decision", r.getDecision().name());
                data.put("model", r.getModel());
                yield Optional.of(new Event(position, "reply", data));
            }
            case ChatReplyDelayed s -> {
                data.put("replyId", s.getReplyId());
                data.put("inReplyTo", s.getInReplyToMessageId());
                data.put("reason", s.getReason().name());
                data.put("waitedMs", s.getWaitedMs());
                yield Optional.of(new Event(position, "status", data));
            }
            default -> Optional.empty();
        };
    }

    private void tail() {
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                // its lag (kafka.consumer.fetch.manager.records.lag.max) is how far the streams are behind the replies
                KafkaClientMetrics metrics = new KafkaClientMetrics(consumer)) {
            metrics.bindTo(meters);
            tail = consumer;
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHAT_REPLIES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            this.partitions = partitions.size();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            log.info("Streaming chat replies from {} partitions of {}", partitions.size(), Topics.CHAT_REPLIES.name());
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() == null) {
                        continue;
                    }
                    UUID session;
                    try {
                        session = UUID.fromString(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    Set<Subscriber> listening = subscribers.get(session);
                    if (listening != null && !listening.isEmpty()) {
                        // the last hop of the message's trace: its reply reaching the browsers
                        Span span = tracing.startChild("chat.stream.send", record.headers());
                        try (var scope = tracing.inScope(span)) {
                            toEvent(record).ifPresent(event -> listening.forEach(s -> s.live(event)));
                        } finally {
                            span.end();
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            log.error("Reply stream tail stopped", e);
        } finally {
            tail = null;
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("reply-stream-tail").daemon().start(this::tail);
        long every = settings.streamHeartbeat().toMillis();
        heartbeats.scheduleAtFixedRate(
                () -> subscribers.values().forEach(set -> set.forEach(Subscriber::heartbeat)),
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> consumer = tail;
        if (consumer != null) {
            consumer.wakeup();
        }
        heartbeats.shutdownNow();
        subscribers.values().forEach(set -> set.forEach(s -> s.emitter.complete()));
        subscribers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** One open stream: sends in offset order, never twice, buffering live events while it replays. */
    private static final class Subscriber {
        private final UUID session;
        private final SseEmitter emitter;
        private boolean replaying;
        private long lastSent = -1;
        private final List<Event> buffered = new ArrayList<>();

        Subscriber(UUID session, SseEmitter emitter, boolean replaying) {
            this.session = session;
            this.emitter = emitter;
            this.replaying = replaying;
        }

        synchronized void live(Event event) {
            if (replaying) {
                buffered.add(event);
            } else {
                send(event);
            }
        }

        synchronized void finishReplay() {
            replaying = false;
            buffered.sort(Comparator.comparingLong(e -> e.position().offset()));
            buffered.forEach(this::send);
            buffered.clear();
        }

        synchronized void send(Event event) {
            if (event.position().offset() <= lastSent) {
                return;
            }
            try {
                emitter.send(SseEmitter.event()
                        .id(event.position().toString())
                        .name(event.name())
                        .data(event.data()));
                lastSent = event.position().offset();
            } catch (IOException | IllegalStateException e) {
                emitter.completeWithError(e);
            }
        }

        synchronized void heartbeat() {
            try {
                emitter.send(SseEmitter.event().comment("keep-alive"));
            } catch (IOException | IllegalStateException e) {
                emitter.completeWithError(e);
            }
        }
    }
}
