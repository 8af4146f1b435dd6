package app.donna.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the machine spent over a window of a bench: CPU time of this JVM (which runs the broker, the five
 * services and the load generator), CPU time of its child processes (PostgreSQL and its backends), and
 * bytes allocated on this JVM's heap. Take one {@link #now()} at each end of the window and subtract.
 *
 * <p>Allocation comes from {@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes} (Java 21):
 * the JVM's own running total over every thread, including threads that ended during the window (which a
 * sum of {@code getThreadAllocatedBytes} over the live threads would miss) and virtual threads (whose
 * allocations land on their carrier threads). It counts what was allocated, not what survived, so unlike
 * a GC-based total it does not depend on when collections happen to run. The child processes' CPU time
 * misses backends that ended during the window.
 *
 * @param jvmCpuNanos this JVM's CPU time so far
 * @param childCpuNanos CPU time so far of this JVM's descendant processes and of PostgreSQL's server and
 *     backends ({@link #countPostgres}), those still alive
 * @param allocatedBytes bytes allocated on this JVM's heap so far; negative if the JVM cannot tell
 * @param compileMillis the JIT compiler's time so far (counted in {@code jvmCpuNanos})
 * @param parts the Java threads' CPU time so far, or in a difference what they spent, with the part of the
 *     stack each works for ({@link CpuByPart})
 */
record Usage(long jvmCpuNanos, long childCpuNanos, long allocatedBytes, long compileMillis, CpuByPart parts) {

    static Usage now() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long children = Stream.concat(
                        ProcessHandle.current().descendants(),
                        postgres.stream().flatMap(server -> Stream.concat(Stream.of(server), server.descendants())))
                .distinct()
                .mapToLong(
                        p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
        long allocated = threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()
                ? threads.getTotalThreadAllocatedBytes()
                : -1;
        return new Usage(os.getProcessCpuTime(), children, allocated, Warmup.compileMillisOfThisJvm(), CpuByPart.now());
    }

    /** Where {@link #allocatedBytes} comes from. */
    static String allocationSource() {
        return "ThreadMXBean.getTotalThreadAllocatedBytes: all threads, including those that ended in the window";
    }

    /** PostgreSQL's server process: started through pg_ctl, it is not a child of this JVM. */
    private static volatile Optional<ProcessHandle> postgres = Optional.empty();

    /** Counts the PostgreSQL whose data folder is {@code data} (its postmaster.pid names the server). */
    static void countPostgres(Path data) {
        try {
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid"))
                    .getFirst()
                    .strip());
            postgres = ProcessHandle.of(pid);
        } catch (IOException | RuntimeException e) {
            System.out.println("(PostgreSQL's CPU time is not counted: no server pid in " + data + ")");
            postgres = Optional.empty();
        }
    }

    /** What was spent between {@code earlier} and this one. */
    Usage since(Usage earlier) {
        return new Usage(
                jvmCpuNanos - earlier.jvmCpuNanos,
                childCpuNanos - earlier.childCpuNanos,
                allocatedBytes < 0 || earlier.allocatedBytes < 0 ? -1 : allocatedBytes - earlier.allocatedBytes,
                compileMillis - earlier.compileMillis,
                parts.since(earlier.parts));
    }

    /**
     * Where the CPU of this difference ({@link #since}) went per unit, e.g. {@code Kafka broker 3.3 ms,
     * ingress-api 2.1 ms, …}; the JVM's own threads (JIT compiler, GC) and the threads that ended are what
     * the process spent beyond the Java threads' sum.
     */
    String perUnitByPart(String unit, long units) {
        if (units <= 0) {
            return "";
        }
        Map<String, Long> byPart = parts.byPart();
        StringBuilder out = new StringBuilder("cpu per " + unit + " by part (Java threads, by their names): ");
        long threadsTotal = 0;
        for (var part : byPart.entrySet()) {
            out.append(String.format("%s %.2f ms, ", part.getKey(), part.getValue() / 1e6 / units));
            threadsTotal += part.getValue();
        }
        long rest = jvmCpuNanos - threadsTotal;
        out.append(String.format(
                "the JVM's own threads and threads that ended %.2f ms (of which JIT compiling %.2f ms)%n",
                rest / 1e6 / units, compileMillis / (double) units));
        long generator = byPart.getOrDefault(CpuByPart.LOAD_GENERATOR, 0L);
        out.append(String.format(
                "cpu per %s of the stack alone (all but the %s, PostgreSQL included): %.2f ms%n",
                unit, CpuByPart.LOAD_GENERATOR, (jvmCpuNanos - generator + childCpuNanos) / 1e6 / units));
        return out.toString();
    }

    /**
     * Per unit of work (a message), e.g. {@code cpu per message: 8.9 ms (JVM 8.6 + PostgreSQL 0.3),
     * allocated per message: 1,020 KB}; and the share of the machine's cores over {@code seconds}.
     */
    String perUnit(String unit, long units, double seconds) {
        if (units <= 0) {
            return "cpu and allocation per " + unit + ": no " + unit + "s in the window";
        }
        double jvm = jvmCpuNanos / 1e6 / units;
        double child = childCpuNanos / 1e6 / units;
        int cores = Runtime.getRuntime().availableProcessors();
        return String.format(
                "cpu per %s: %.2f ms (this JVM %.2f ms + child processes, i.e. PostgreSQL, %.2f ms); "
                        + "JVM busy %.0f %% of one core, %d cores%n"
                        + "allocated per %s: %s (JVM heap, %.0f MB/s; %s)%n",
                unit,
                jvm + child,
                jvm,
                child,
                jvmCpuNanos / 1e7 / seconds,
                cores,
                unit,
                allocatedBytes < 0 ? "unknown" : String.format("%,.0f KB", allocatedBytes / 1024.0 / units),
                allocatedBytes / 1e6 / seconds,
                allocationSource());
    }
}
