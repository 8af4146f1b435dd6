package app.donna.chat.reply;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets one thread abandon what another is waiting for: a model call past its deadline, or cut short by a
 * shutdown. The waiting side registers how to stop its current wait ({@link #onCancel}), e.g. closing the
 * HTTP call, and the other side {@link #cancel}s once. Thread-safe.
 */
public final class Cancellation {

    private final CountDownLatch cancelled = new CountDownLatch(1);
    private Runnable action;

    /**
     * What stops the current wait; replaces the previous one (one call at a time: a retry is a new call).
     * Runs at once when already cancelled.
     */
    public void onCancel(Runnable stop) {
        synchronized (this) {
            if (!isCancelled()) {
                action = stop;
                return;
            }
        }
        stop.run();
    }

    /** Stops the current wait, if any, and every later one. Only the first call does anything. */
    public void cancel() {
        Runnable stop;
        synchronized (this) {
            if (isCancelled()) {
                return;
            }
            cancelled.countDown();
            stop = action;
            action = null;
        }
        if (stop != null) {
            stop.run();
        }
    }

    public boolean isCancelled() {
        return cancelled.getCount() == 0;
    }

    /**
     * Waits {@code duration}, or less if cancelled meanwhile (e.g. a backoff before a retry).
     *
     * @return whether it was cancelled
     */
    public boolean await(Duration duration) throws InterruptedException {
        return cancelled.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }
}
