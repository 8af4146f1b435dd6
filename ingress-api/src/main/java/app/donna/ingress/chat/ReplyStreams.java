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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;
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
 * Server-sent events of chat replies. Every ingress instance tails all of {@code donna.chat.replies} (each
 * reply, whole) and {@code donna.chat.reply-fragments} (what a reply shows while it is being written),
 * assigned, with no consumer group, committed records only, so any instance can serve any session's stream
 * and instances scale out freely. A session's records sit in one partition of each topic. Each event's id is
 * {@code <partition>:<replies offset>:<fragments offset>}, the next offset of each that the stream has not
 * yet brought: a client reconnecting with {@code Last-Event-ID} first gets what it missed of both, read back
 * from Kafka, then the live events. No reply is lost or sent twice on a stream (each topic's events go out
 * in offset order); fragments are what they always were, a preview: one day of them is kept, and the reply
 * carries the whole text.
 */
@Component
class ReplyStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplyStreams.class);

    /** Where an event came from: whole replies, or a reply's fragments and notices. */
    enum Source {
        REPLIES(Topics.CHAT_REPLIES.name()),
        FRAGMENTS(Topics.CHAT_REPLY_FRAGMENTS.name());

        final String topic;

        Source(String topic) {
            this.topic = topic;
        }

        private static final Map<String, Source> BY_TOPIC = Map.of(REPLIES.topic, REPLIES, FRAGMENTS.topic, FRAGMENTS);

        static Optional<Source> of(String topic) {
            return Optional.ofNullable(BY_TOPIC.get(topic));
        }
    }

    /**
     * A position in a session's partitions, as carried by SSE event ids: the next offset not yet sent of
     * {@code donna.chat.replies} and of {@code donna.chat.reply-fragments} ({@link #UNKNOWN} in an id of the
     * older form {@code <partition>:<offset>}, which named the last reply event sent).
     */
    record Position(int partition, long replies, long fragments) {
        static final long UNKNOWN = -1;

        static Optional<Position> parse(String lastEventId) {
            if (lastEventId == null || !lastEventId.matches("\\d{1,5}:\\d{1,19}(:\\d{1,19})?")) {
                return Optional.empty();
            }
            String[] p = lastEventId.split(":");
            try {
                int partition = Integer.parseInt(p[0]);
                return Optional.of(
                        p.length == 2
                                ? new Position(partition, Math.addExact(Long.parseLong(p[1]), 1), UNKNOWN)
                                : new Position(partition, Long.parseLong(p[1]), Long.parseLong(p[2])));
            } catch (NumberFormatException | ArithmeticException e) {
                return Optional.empty(); // an offset past the largest a log can have
            }
        }

        @Override
        public String toString() {
            return partition + ":" + replies + ":" + fragments;
        }
    }

    /** One event of reply {@code replyId}, ready to send: from which topic, at which offset, written when. */
    record Event(Source source, long offset, long timestamp, UUID replyId, String name, Map<String, Object> data) {}

    /** Replays reading the log back at once: each holds a consumer (a connection, buffers, a thread). */
    private static final int CONCURRENT_REPLAYS = 16;

    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> replayConfig;
    private final Semaphore replays = new Semaphore(CONCURRENT_REPLAYS);
    /** The next offset the tail will read, by topic and partition (empty until it has started). */
    private volatile Map<Source, AtomicLongArray> tailPositions = Map.of();

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
        Optional<Position> lastEventId = requested.filter(p -> p.partition() == partitionOf(session, Source.REPLIES));
        SseEmitter emitter = new SseEmitter(settings.streamTimeout().toMillis());
        // Where the stream starts, read before it is subscribed: the tail moves its positions on only after
        // handing a record to the subscribers, so a record read meanwhile is either sent live or after the
        // start (and replayed on a reconnect), never skipped.
        Subscriber subscriber = new Subscriber(
                session,
                emitter,
                () -> partitionOf(session, Source.REPLIES),
                lastEventId.isPresent(),
                lastEventId.map(Position::replies).orElseGet(() -> tailPosition(session, Source.REPLIES)),
                lastEventId
                        .map(Position::fragments)
                        .filter(f -> f != Position.UNKNOWN)
                        .orElseGet(() -> tailPosition(session, Source.FRAGMENTS)));
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

    /** The partition of {@code source}'s topic a session's events go to (its key's, as producers choose). */
    private int partitionOf(UUID session, Source source) {
        AtomicLongArray positions = tailPositions.get(source);
        return positions == null
                ? -1
                : Utils.toPositive(Utils.murmur2(session.toString().getBytes(StandardCharsets.UTF_8)))
                        % positions.length();
    }

    /** The next offset the tail reads in {@code session}'s partition of {@code source}'s topic; 0 if not started. */
    private long tailPosition(UUID session, Source source) {
        int partition = partitionOf(session, source);
        return partition < 0 ? 0 : tailPositions.get(source).get(partition);
    }

    private void replay(Subscriber subscriber, Position after) {
        String key = subscriber.session.toString();
        try {
            // Each replay holds a consumer (a connection, buffers): only so many at once.
            if (!replays.tryAcquire(10, TimeUnit.SECONDS)) {
                log.warn("Not replaying replies of session {} after {}: too many replays at once", key, after);
                subscriber.finishReplay(List.of());
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            subscriber.finishReplay(List.of());
            return;
        }
        Map<Source, List<Event>> missed = new EnumMap<>(Source.class);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(replayConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> from = new HashMap<>();
            from.put(new TopicPartition(Source.REPLIES.topic, after.partition()), after.replies());
            if (after.fragments() != Position.UNKNOWN) {
                int partition = partitionOf(subscriber.session, Source.FRAGMENTS);
                from.put(new TopicPartition(Source.FRAGMENTS.topic, partition), after.fragments());
            }
            consumer.assign(from.keySet());
            Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet());
            // An id past the end (forged, or from before a topic was re-created) replays nothing; a seek
            // there would reset to the partition's start and read all of it.
            from.forEach((tp, offset) -> consumer.seek(tp, Math.min(offset, end.get(tp))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))
                            && record.key() != null
                            && key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        toEvent(record)
                                .ifPresent(event -> missed.computeIfAbsent(event.source(), s -> new ArrayList<>())
                                        .add(event));
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not replay replies of session {} after {}: {}", subscriber.session, after, e.getMessage());
        } finally {
            replays.release();
        }
        subscriber.finishReplay(inWrittenOrder(
                missed.getOrDefault(Source.REPLIES, List.of()), missed.getOrDefault(Source.FRAGMENTS, List.of())));
    }

    /**
     * Two topics' events, each in offset order, merged as they were written: by timestamp, a reply's
     * fragments before the reply when they tie (chat-processor writes a reply after its fragments).
     */
    static List<Event> inWrittenOrder(List<Event> replies, List<Event> fragments) {
        List<Event> merged = new ArrayList<>(replies.size() + fragments.size());
        int r = 0;
        int f = 0;
        while (r < replies.size() || f < fragments.size()) {
            boolean fragmentFirst = r == replies.size()
                    || (f < fragments.size()
                            && fragments.get(f).timestamp() <= replies.get(r).timestamp());
            merged.add(fragmentFirst ? fragments.get(f++) : replies.get(r++));
        }
        return merged;
    }

    private void unsubscribe(Subscriber subscriber) {
        subscribers.computeIfPresent(subscriber.session, (s, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    Optional<Event> toEvent(ConsumerRecord<byte[], byte[]> record) {
        Optional<Source> source = Source.of(record.topic());
        if (source.isEmpty()) {
            return Optional.empty();
        }
        SpecificRecordBase event;
        try {
            event = codec.decode(record.value());
        } catch (EventCodec.EventDecodingException e) {
            return Optional.empty(); // dead letters are the projector's business; a stream just skips
        }
        Map<String, Object> data = new LinkedHashMap<>();
        UUID replyId = null;
        String name = switch (event) {
            case ChatReplyDelta d -> {
                replyId = d.getReplyId();
                data.put("replyId", d.getReplyId());
                data.put("inReplyTo", d.getInReplyToMessageId());
                data.put("sequence", d.getSequence());
                data.put("delta", d.getDelta());
                yield "delta";
            }
            case ChatReplyProduced r -> {
                replyId = r.getReplyId();
                data.put("replyId", r.getReplyId());
                data.put("inReplyTo", r.getInReplyToMessageId());
                data.put("text", r.getText());
                data.put("degraded", r.getDegraded());
                data.put("decision", r.getDecision().name());
                data.put("model", r.getModel());
                // who wrote it: the assistant, or a member of staff who took the chat over (not named)
                data.put("from", r.getStaffId() == null ? "assistant" : "staff");
                yield "reply";
            }
            case ChatReplyDelayed s -> {
                replyId = s.getReplyId();
                data.put("replyId", s.getReplyId());
                data.put("inReplyTo", s.getInReplyToMessageId());
                data.put("reason", s.getReason().name());
                data.put("waitedMs", s.getWaitedMs());
                yield "status";
            }
            default -> null;
        };
        return name == null
                ? Optional.empty()
                : Optional.of(new Event(source.get(), record.offset(), record.timestamp(), replyId, name, data));
    }

    private void tail() {
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                // its lag (kafka.consumer.fetch.manager.records.lag.max) is how far the streams are behind the replies
                KafkaClientMetrics metrics = new KafkaClientMetrics(consumer)) {
            metrics.bindTo(meters);
            tail = consumer;
            List<TopicPartition> partitions = new ArrayList<>();
            Map<Source, AtomicLongArray> positions = new EnumMap<>(Source.class);
            for (Source source : Source.values()) {
                List<TopicPartition> ofTopic = consumer.partitionsFor(source.topic).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                partitions.addAll(ofTopic);
                positions.put(source, new AtomicLongArray(ofTopic.size()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition tp : partitions) {
                positions.get(Source.of(tp.topic()).orElseThrow()).set(tp.partition(), consumer.position(tp));
            }
            tailPositions = positions;
            log.info(
                    "Streaming chat replies from {} partitions of {} and {}",
                    partitions.size(),
                    Source.REPLIES.topic,
                    Source.FRAGMENTS.topic);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    deliver(record);
                    // only after the subscribers had it: a stream opening meanwhile starts at or before it
                    Source.of(record.topic())
                            .ifPresent(source -> positions.get(source).set(record.partition(), record.offset() + 1));
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

    /** Hands a record to its session's open streams, if any. */
    private void deliver(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return;
        }
        UUID session;
        try {
            session = UUID.fromString(new String(record.key(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return;
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

    /**
     * One open stream: sends each topic's events in offset order, none twice, buffering live events while
     * it replays. Its event ids say how far it has come in both topics.
     */
    private static final class Subscriber {
        private static final int FINISHED_REMEMBERED = 8;
        private final UUID session;
        private final SseEmitter emitter;
        /** The session's partition of the replies topic, once the tail knows the topic (-1 before). */
        private final IntSupplier partition;

        private boolean replaying;
        private long nextReply;
        private long nextFragment;
        private final List<Event> buffered = new ArrayList<>();
        /** The replies this stream sent last: a fragment of one of them, arriving late, is not sent. */
        private final SequencedSet<UUID> finished = new LinkedHashSet<>();

        Subscriber(
                UUID session,
                SseEmitter emitter,
                IntSupplier partition,
                boolean replaying,
                long nextReply,
                long nextFragment) {
            this.session = session;
            this.emitter = emitter;
            this.partition = partition;
            this.replaying = replaying;
            this.nextReply = nextReply;
            this.nextFragment = nextFragment;
        }

        synchronized void live(Event event) {
            if (replaying) {
                buffered.add(event);
            } else {
                send(event);
            }
        }

        synchronized void finishReplay(List<Event> missed) {
            missed.forEach(this::send);
            replaying = false;
            buffered.forEach(this::send); // as the tail read them: each topic's in offset order
            buffered.clear();
        }

        private void send(Event event) {
            boolean reply = event.source() == Source.REPLIES;
            if (event.offset() < (reply ? nextReply : nextFragment)) {
                return;
            }
            if (reply) {
                nextReply = event.offset() + 1;
            } else {
                nextFragment = event.offset() + 1;
            }
            if (event.name().equals("reply")) {
                finished.add(event.replyId());
                if (finished.size() > FINISHED_REMEMBERED) {
                    finished.removeFirst();
                }
            } else if (finished.contains(event.replyId())) {
                return; // the whole reply is already there; its position is taken all the same
            }
            try {
                emitter.send(SseEmitter.event()
                        .id(new Position(partition.getAsInt(), nextReply, nextFragment).toString())
                        .name(event.name())
                        .data(event.data()));
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
