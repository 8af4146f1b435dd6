package app.donna.projections.engine;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs a piece of work every so often on a thread of its own, from start to stop of the application; a run
 * that fails is logged and the next one tries again.
 */
public final class Periodic implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Periodic.class);

    private final String name;
    private final Duration every;
    private final Runnable work;
    private ScheduledExecutorService timer;

    /** @param name what the work is, for its thread and the log: "budget keeper" */
    public Periodic(String name, Duration every, Runnable work) {
        this.name = name;
        this.every = every;
        this.work = work;
    }

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name.replace(' ', '-')).daemon().factory());
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        work.run();
                    } catch (RuntimeException e) {
                        log.warn("The {} failed; trying again in {}: {}", name, every, e.toString());
                    }
                },
                every.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }
}
