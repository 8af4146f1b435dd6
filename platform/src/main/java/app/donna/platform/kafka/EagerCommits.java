package app.donna.platform.kafka;

import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks Kafka Streams to commit as soon as a processor has forwarded results, unless the application
 * committed, or asked to, less than one commit interval ago.
 *
 * <p>Under exactly-once, readers see a stream application's output only when its transaction commits.
 * With a periodic commit alone, every result waits for the next one: half a commit interval on average, a
 * whole one at worst, on every stream hop. Here a result that follows a quiet spell is committed at once,
 * and one that comes sooner is committed when the interval has passed (a wall-clock punctuation checks
 * four times per interval). The interval counts from the end of the last commit, as Kafka Streams counts
 * its own, so a busy application commits no more often than with periodic commits alone: a commit under
 * load takes a produce round trip or more, and starting the next one as soon as it ends would spend the
 * stream thread on transactions (ADR 4). {@link DonnaKafkaStreamsAutoConfiguration} has the commits
 * reported ({@link CommitReportingClients}), and {@link KafkaStreamsDefaults} keeps Kafka Streams' periodic
 * commit as a backstop for output that no processor reports here.
 *
 * <p>One instance per stream application instance, shared by its processors: Kafka Streams commits all of
 * a stream thread's tasks when any of them asks, so pacing per task would multiply the transactions by
 * the number of partitions. Safe to use from several stream threads.
 */
public final class EagerCommits {

    private static final long NEVER = Long.MIN_VALUE;

    private final long intervalMs;
    /** The later of the last commit request and the end of the last commit, wall-clock milliseconds. */
    private final AtomicLong lastCommitMs = new AtomicLong(NEVER);
    /**
     * The tasks (by their contexts) that forwarded results which wait for a commit. Kafka Streams commits
     * only when a task that asked also has something to commit, so the request goes to those tasks.
     */
    private final Set<ProcessorContext<?, ?>> waiting = ConcurrentHashMap.newKeySet();

    /** Whether it asks for commits at all ({@link #never()}: Kafka Streams' periodic commit alone). */
    private final boolean asks;

    /** @param interval the least time between commits: the stream app's commit interval */
    public EagerCommits(Duration interval) {
        this(interval, true);
    }

    private EagerCommits(Duration interval, boolean asks) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("the commit interval must not be negative: " + interval);
        }
        this.intervalMs = interval.toMillis();
        this.asks = asks;
    }

    /** Asks for no commit: results wait for Kafka Streams' periodic commit ({@code donna.kafka.eager-commits}). */
    public static EagerCommits never() {
        return new EagerCommits(Duration.ZERO, false);
    }

    /** Call from the processor's {@code init}: schedules the check that commits what had to wait. */
    public void schedule(ProcessorContext<?, ?> context) {
        if (asks && intervalMs > 0) {
            context.schedule(Duration.ofMillis(Math.max(1, intervalMs / 4)), PunctuationType.WALL_CLOCK_TIME, now -> {
                if (!waiting.isEmpty() && due(context.currentSystemTimeMs())) {
                    requestCommits(context.currentSystemTimeMs());
                }
            });
        }
    }

    /** Call on the stream thread after forwarding one or more results from {@code context}'s processor. */
    public void afterForwarding(ProcessorContext<?, ?> context) {
        if (!asks) {
            return;
        }
        waiting.add(context);
        if (due(context.currentSystemTimeMs())) {
            requestCommits(context.currentSystemTimeMs());
        }
    }

    /** A transaction of the application committed at {@code wallClockMs}. */
    void committed(long wallClockMs) {
        lastCommitMs.accumulateAndGet(wallClockMs, Math::max);
    }

    private boolean due(long now) {
        long last = lastCommitMs.get();
        return last == NEVER || now - last >= intervalMs;
    }

    private void requestCommits(long now) {
        lastCommitMs.accumulateAndGet(now, Math::max);
        for (Iterator<ProcessorContext<?, ?>> tasks = waiting.iterator(); tasks.hasNext(); ) {
            tasks.next().commit();
            tasks.remove();
        }
    }
}
