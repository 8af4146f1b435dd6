package app.donna.email.work;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work kept in PostgreSQL and done when due (a mailbox to sync, a mail to send): every {@code tick} it
 * claims as many due items as it has room for and does each on a virtual thread of its own, so one slow
 * item (a hanging Google, a throttled mailbox) holds up no other. Claiming is the caller's (a
 * {@code SKIP LOCKED} update that moves the item's due time a lease ahead), so several instances share the
 * work without doing an item twice at once. A failed claim (the database away) is logged and tried again
 * at the next tick.
 */
public final class DueWork<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DueWork.class);

    private final String name;
    private final Duration tick;
    private final IntFunction<List<T>> claim;
    private final Consumer<T> work;
    private final Semaphore room;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private ScheduledExecutorService ticker;

    /**
     * @param name        the thread's name, and what the logs call this work
     * @param concurrency how many items at once
     * @param claim       claims at most the given number of due items
     * @param work        does one item; what it throws is logged, and the item's lease ends in time
     */
    public DueWork(String name, Duration tick, int concurrency, IntFunction<List<T>> claim, Consumer<T> work) {
        this.name = name;
        this.tick = tick;
        this.claim = claim;
        this.work = work;
        this.room = new Semaphore(Math.max(1, concurrency));
    }

    public synchronized void start() {
        if (ticker != null) {
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized boolean running() {
        return ticker != null;
    }

    /** Looks for due items now rather than at the next tick. */
    public void soon() {
        ScheduledExecutorService t;
        synchronized (this) {
            t = ticker;
        }
        if (t != null) {
            t.execute(this::tick);
        }
    }

    private void tick() {
        try {
            for (T item : claim.apply(room.availablePermits())) {
                room.acquireUninterruptibly();
                workers.execute(() -> {
                    try {
                        work.accept(item);
                    } catch (RuntimeException e) {
                        log.warn("{}: an item failed ({}); it is tried again when it is due", name, e.toString());
                    } finally {
                        room.release();
                    }
                });
            }
        } catch (RuntimeException e) {
            log.warn("{}: could not look for due work: {}", name, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        workers.shutdownNow();
    }
}
