package app.donna.cli.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * When a bench's warm-up may end: not before its minimum, then as soon as the JIT compiler has settled, and
 * at the latest at its cap.
 *
 * <p>One JVM runs the broker, five services and the load generator: tens of thousands of methods to
 * compile on two cores. Measured at 100 msg/s (2026-12-02), the compiler threads still took 37 % of one
 * core two minutes in and settled only after about three, and the pipeline's CPU per message and latency
 * over a window that starts earlier are mostly the compiler's. "Settled" is judged from the compiler's own
 * clock ({@link CompilationMXBean#getTotalCompilationTime}): under {@link #SETTLED_SHARE} of one core over
 * the last {@link #SPAN}.
 */
final class Warmup {

    /** The compiler's share of one core under which it counts as settled. */
    static final double SETTLED_SHARE = 0.10;

    /** Over how long the compiler's share is judged. */
    static final Duration SPAN = Duration.ofSeconds(10);

    private final long minNanos;
    private final long maxNanos;
    private final LongSupplier compileMillis;
    private final long startNanos;
    /** {nanoTime, compiler milliseconds so far}, oldest first, covering at least the last SPAN. */
    private final List<long[]> samples = new ArrayList<>();

    private String outcome = "warming up";

    /**
     * @param min the least warm-up
     * @param max the most, settled or not
     * @param compileMillis the JIT compiler's time so far, in milliseconds (summed over its threads)
     * @param startNanos when the warm-up began ({@link System#nanoTime})
     */
    Warmup(Duration min, Duration max, LongSupplier compileMillis, long startNanos) {
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException(
                    "the longest warm-up (" + max + ") is shorter than the least (" + min + ")");
        }
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        this.compileMillis = compileMillis;
        this.startNanos = startNanos;
        samples.add(new long[] {startNanos, compileMillis.getAsLong()});
    }

    /** A warm-up judged by this JVM's JIT compiler, starting now. */
    static Warmup ofThisJvm(Duration min, Duration max) {
        return new Warmup(min, max, Warmup::compileMillisOfThisJvm, System.nanoTime());
    }

    /** Whether the warm-up is over at {@code nowNanos}; call it every second or so. */
    boolean over(long nowNanos) {
        samples.add(new long[] {nowNanos, compileMillis.getAsLong()});
        while (samples.size() > 2 && nowNanos - samples.get(1)[0] >= SPAN.toNanos()) {
            samples.remove(0);
        }
        long elapsed = nowNanos - startNanos;
        double share = compilerShare();
        outcome = String.format(
                "warming up: %d s so far, the JIT compiler at %.0f %% of one core over the last %d s",
                Duration.ofNanos(elapsed).toSeconds(), share * 100, SPAN.toSeconds());
        if (elapsed < minNanos) {
            return false;
        }
        long covered = nowNanos - samples.getFirst()[0];
        if (covered >= SPAN.toNanos() && share < SETTLED_SHARE) {
            outcome = String.format(
                    "warm-up ended after %d s: the JIT compiler settled (%.0f %% of one core over the last %d s)",
                    Duration.ofNanos(elapsed).toSeconds(), share * 100, SPAN.toSeconds());
            return true;
        }
        if (elapsed >= maxNanos) {
            outcome = String.format(
                    "warm-up ended at its cap of %d s with the JIT compiler still busy (%.0f %% of one core over the "
                            + "last %d s): CPU figures include compiling",
                    Duration.ofNanos(maxNanos).toSeconds(), share * 100, SPAN.toSeconds());
            return true;
        }
        return false;
    }

    /** How the warm-up ended, for the report. */
    String outcome() {
        return outcome;
    }

    /** The compiler's time over the samples kept, as a share of one core. */
    private double compilerShare() {
        long[] first = samples.getFirst();
        long[] last = samples.getLast();
        long nanos = last[0] - first[0];
        return nanos <= 0 ? 0 : (last[1] - first[1]) * 1e6 / nanos;
    }

    /** The JIT compiler's time so far in this JVM, milliseconds; 0 if it cannot tell (then the minimum decides). */
    static long compileMillisOfThisJvm() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }
}
