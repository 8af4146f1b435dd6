package app.donna.chat.stream;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The fragments of one answer on their way to the topic, as few records as a reader cannot tell apart from
 * one per fragment: the first is written at once (the time to the first words is what a reader feels);
 * those that follow within {@code interval} of the last write are joined and written together once the
 * interval has passed, by the next fragment, by the stream thread's completion check ({@link #writeIfDue}),
 * or when the answer is composed ({@link #writeRest}).
 *
 * <p>Measured before this (2026-12-02), each fragment was its own Kafka record and its own SSE event, and a
 * model streaming 50 tokens a second made fifty of each per answer a second. Sequence numbers stay
 * contiguous: they count the records written, not the model's fragments.
 *
 * <p>Fragments come from a model-call thread, checks from the stream thread: both under one lock. The stream
 * thread only tries it ({@link #writeIfDue}), so a write held up by the broker (up to the producer's
 * {@code max.block.ms}) never holds the stream thread too.
 */
final class AnswerFragments {

    /** Writes one record of the answer's text; returns the write under way. */
    @FunctionalInterface
    interface Writer {
        Future<?> write(int sequence, String text);
    }

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Writer writer;
    private final ReentrantLock lock = new ReentrantLock();

    private final StringBuilder pending = new StringBuilder();
    private long lastWriteNanos;
    private int written;
    /** Read by the stream thread's deadline checks without the lock, which a write may hold for a while. */
    private volatile boolean received;
    /** The last write (null: none yet). */
    private volatile Future<?> last;
    /** When what waits is to be written ({@link Long#MAX_VALUE}: nothing waits); read without the lock. */
    private volatile long dueNanos = Long.MAX_VALUE;

    /**
     * @param interval the least time between two records of the answer; zero writes each fragment on its own
     * @param nanoTime the clock ({@link System#nanoTime})
     */
    AnswerFragments(Duration interval, LongSupplier nanoTime, Writer writer) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("the interval between fragments must not be negative: " + interval);
        }
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.writer = writer;
    }

    /** A fragment of the answer, in order. */
    void add(String fragment) {
        lock.lock();
        try {
            received = true;
            pending.append(fragment);
            if (written == 0 || nanoTime.getAsLong() - lastWriteNanos >= intervalNanos) {
                writePending();
            } else {
                dueNanos = lastWriteNanos + intervalNanos;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether some text has waited its interval (cheap: no lock). */
    boolean due() {
        return nanoTime.getAsLong() - dueNanos >= 0;
    }

    /** From the stream thread's check: writes what has waited an interval, unless a fragment is being added. */
    void writeIfDue() {
        if (due() && lock.tryLock()) {
            try {
                if (!pending.isEmpty() && nanoTime.getAsLong() - lastWriteNanos >= intervalNanos) {
                    writePending();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The answer is composed: writes what is left; returns how many records its text took. */
    int writeRest() {
        lock.lock();
        try {
            writePending();
            return written;
        } finally {
            lock.unlock();
        }
    }

    /** Whether any fragment came, written or not. */
    boolean anyReceived() {
        return received;
    }

    /** Whether every record asked for is written (or given up on): none waits, and the last write is done. */
    boolean allWritten() {
        Future<?> lastWrite = last;
        return lastWrite == null || lastWrite.isDone();
    }

    private void writePending() {
        if (pending.isEmpty()) {
            return;
        }
        last = writer.write(written++, pending.toString());
        pending.setLength(0);
        lastWriteNanos = nanoTime.getAsLong();
        dueNanos = Long.MAX_VALUE;
    }
}
