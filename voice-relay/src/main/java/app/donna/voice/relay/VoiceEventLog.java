package app.donna.voice.relay;

import app.donna.events.actions.ActionRequested;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes a call's trail to {@code donna.voice.events} and callers' requests to {@code donna.actions}.
 *
 * <p>The trail never holds up a call: events go to one publisher thread, in order, because a producer's
 * {@code send} blocks for {@code max.block.ms} while the broker is away, and audio must keep flowing then.
 * The producer keeps retrying what it has accepted until its delivery timeout; when even the queue here is
 * full, events are given up, counted ({@code donna_voice_events_lost_total}) and logged. A caller's request
 * is different: the model tells the caller it was passed on, so it waits for the broker's acknowledgement.
 */
@Component
class VoiceEventLog implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(VoiceEventLog.class);

    static final int QUEUED = 10_000;

    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final Counter lost;
    private final ThreadPoolExecutor publisher =
            new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUED), runnable -> {
                Thread thread = new Thread(runnable, "voice-events-publisher");
                thread.setDaemon(true);
                // made by whichever thread publishes first (one of the model's connection threads, say), whose
                // context class loader may not see the application's classes when it runs from its jar; the
                // producer it makes loads its configured classes through this one
                thread.setContextClassLoader(VoiceEventLog.class.getClassLoader());
                return thread;
            });

    VoiceEventLog(KafkaTemplate<String, SpecificRecordBase> kafka, MeterRegistry meters) {
        this.kafka = kafka;
        this.lost = Counter.builder("donna.voice.events.lost")
                .description("Voice session events given up because the broker could not take them in time")
                .register(meters);
        publisher.setRejectedExecutionHandler((task, executor) -> {
            lost.increment();
            log.error("Voice events are arriving faster than the broker takes them; one was given up");
        });
    }

    /** Queues one event of a call, keyed by its voice session id; returns at once. */
    void record(String voiceSessionId, SpecificRecordBase event) {
        publisher.execute(() -> {
            try {
                kafka.send(Topics.VOICE_EVENTS.record(voiceSessionId, event)).whenComplete((sent, failure) -> {
                    if (failure != null) {
                        lost.increment();
                        log.error(
                                "{} of voice session {} was not written: {}",
                                event.getSchema().getName(),
                                voiceSessionId,
                                failure.toString());
                    }
                });
            } catch (RuntimeException e) {
                lost.increment();
                log.error(
                        "{} of voice session {} was not written: {}",
                        event.getSchema().getName(),
                        voiceSessionId,
                        e.toString());
            }
        });
    }

    /** Publishes a caller's request; true once the broker has it, false when it did not say so in time. */
    boolean request(ActionRequested action, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            kafka.send(Topics.ACTIONS.record(action.getUserId(), action))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.error(
                    "Action {} ({}) was not acknowledged within {}: {}",
                    action.getActionId(),
                    action.getKind(),
                    timeout,
                    String.valueOf(e instanceof ExecutionException ? e.getCause() : e));
            return false;
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        publisher.shutdown();
        if (!publisher.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn(
                    "{} voice events were still queued at shutdown",
                    publisher.getQueue().size());
        }
    }
}
