package app.donna.voice.relay;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.common.Decision;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Hears the abuse detector's BLOCK verdicts ({@code donna.abuse.flags}, chat and voice alike) and has the
 * relay act on them: a live call of that caller is ended politely, and new calls are refused for the
 * sanction's length. Every relay instance reads every partition itself (no consumer group: a call may be on
 * any instance), starting one sanction's length back, so an instance that restarts still knows who is
 * barred.
 */
@Component
class ModerationWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModerationWatch.class);

    private final RealtimeRelay relay;
    private final Duration sanction;
    private final Map<String, Object> consumerConfig;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    ModerationWatch(RealtimeRelay relay, VoiceRelaySettings settings, KafkaClientProperties clients) {
        this.relay = relay;
        this.sanction = settings.relay().blockSanction();
        this.consumerConfig = KafkaClientProperties.assigningReader(clients.consumer());
    }

    @Override
    public void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        thread = Thread.ofPlatform().name("voice-moderation-watch").daemon().start(this::watch);
    }

    private void watch() {
        EventCodec codec = EventCodec.bundled();
        while (running.get()) {
            try (var reader =
                    new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = reader;
                List<TopicPartition> partitions =
                        reader.partitionsFor(Topics.ABUSE_FLAGS.name(), Duration.ofSeconds(30)).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition()))
                                .toList();
                reader.assign(partitions);
                long since = Instant.now().minus(sanction).toEpochMilli();
                Map<TopicPartition, Long> from = new HashMap<>();
                partitions.forEach(p -> from.put(p, since));
                Map<TopicPartition, OffsetAndTimestamp> offsets = reader.offsetsForTimes(from);
                for (TopicPartition p : partitions) {
                    OffsetAndTimestamp at = offsets.get(p);
                    if (at == null) {
                        reader.seekToEnd(List.of(p));
                    } else {
                        reader.seek(p, at.offset());
                    }
                }
                while (running.get()) {
                    for (var record : reader.poll(Duration.ofMillis(500))) {
                        try {
                            if (codec.decode(record.value()) instanceof AbuseFlagged flag
                                    && flag.getDecision() == Decision.BLOCK) {
                                relay.blocked(
                                        flag.getUserId(),
                                        flag.getOccurredAt().plus(sanction),
                                        flag.getSource().name());
                            }
                        } catch (RuntimeException undecodable) {
                            log.debug(
                                    "A record on {} is not an abuse flag this relay reads", Topics.ABUSE_FLAGS.name());
                        }
                    }
                }
            } catch (WakeupException stopping) {
                return;
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                log.warn("Reading moderation verdicts failed; trying again in 5 s: {}", e.toString());
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void stop() {
        running.set(false);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }
}
