package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.events.chat.ChatReplyDelta;
import app.donna.localinfra.LocalPorts;
import app.donna.platform.observability.RecordTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Publishing fragments while no broker answers: the caller goes on, the fragments are given up. */
class KafkaDeltaSinkTest {

    @Test
    void withNoBrokerPublishingNeitherBlocksNorLeavesAFragmentPendingForLong() {
        // a port nothing listens on: the producer never gets metadata, so each send would block for
        // max.block.ms on the thread that calls it
        Map<String, Object> producer = Map.of("bootstrap.servers", "127.0.0.1:" + LocalPorts.free());
        try (KafkaDeltaSink sink = new KafkaDeltaSink(producer, RecordTracing.noop())) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            sink.bindTo(meters);
            UUID session = UUID.randomUUID();
            UUID reply = UUID.randomUUID();
            List<Future<?>> published = new ArrayList<>();
            for (int sequence = 0; sequence < 50; sequence++) {
                Future<?> done = sink.publish(delta(session, reply, sequence));
                // had publish blocked until the producer gave up, the fragment would be settled by now
                assertThat(done).as("fragment %d, just handed over", sequence).isNotDone();
                published.add(done);
            }

            // the first send blocks for max.block.ms (5 s); the rest are given up at once after it, not
            // each after 5 s of its own (which would take four minutes)
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> published.stream().allMatch(Future::isDone));
            assertThat(sink.lost()).isEqualTo(50);
            assertThat(meters.get("donna.chat.reply.fragments.lost")
                            .functionCounter()
                            .count())
                    .isEqualTo(50);
        }
    }

    private static ChatReplyDelta delta(UUID session, UUID reply, int sequence) {
        return ChatReplyDelta.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(session)
                .setReplyId(reply)
                .setInReplyToMessageId(UUID.randomUUID())
                .setUserId("alice")
                .setSequence(sequence)
                .setDelta("word ")
                .build();
    }
}
