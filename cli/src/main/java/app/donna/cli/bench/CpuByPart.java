package app.donna.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a bench's CPU went, by part of the stack, told from the names of the Java threads that spent it:
 * the broker, each service, and the bench's own load generator and stand-in model (which a deployment does
 * not run). Take one {@link #now()} at each end of a window, subtract with {@link #since} and sum with
 * {@link #byPart}.
 *
 * <p>Only live platform threads are seen. Virtual threads run on carrier threads ({@code ForkJoinPool-*}),
 * which only ingress-api's Tomcat uses in the bench (its load generator runs on named platform threads), so
 * the carriers count as ingress-api's HTTP. What no Java thread accounts for (the JIT compiler, the garbage
 * collector, threads that ended within the window) is the process's CPU time minus the threads' sum.
 */
final class CpuByPart {

    static final String LOAD_GENERATOR = "load generator and stand-in model";
    static final String BROKER = "Kafka broker";
    static final String INGRESS = "ingress-api";
    static final String ABUSE = "abuse-detector";
    static final String CHAT = "chat-processor";
    static final String PROJECTIONS = "projections";
    static final String OTHER = "other Java threads";

    /** First match wins; the rest is {@link #OTHER}. */
    private static final List<Map.Entry<Predicate<String>, String>> RULES = List.of(
            rule(
                    n -> n.startsWith("bench-")
                            || n.startsWith("stand-in-")
                            || n.startsWith("HttpClient-")
                            || n.equals("HTTP-Dispatcher"),
                    LOAD_GENERATOR),
            rule(
                    n -> n.contains("ingress-api")
                            || n.startsWith("http-nio-")
                            || n.startsWith("ForkJoinPool-")
                            || n.startsWith("reply-stream-")
                            || n.startsWith("tomcat-"),
                    INGRESS),
            rule(n -> n.contains("abuse-detector"), ABUSE),
            rule(
                    n -> n.contains("chat-processor")
                            || n.startsWith("chat-model-call")
                            || n.startsWith("chat-fragments-publisher")
                            || n.startsWith("OkHttp"),
                    CHAT),
            rule(n -> n.startsWith("projector-") || n.contains("projections"), PROJECTIONS),
            // a Kafka client's threads are named "<what> | <client id>": not the broker's
            rule(
                    n -> !n.contains(" | ")
                            && (n.startsWith("data-plane-kafka")
                                    || n.startsWith("kafka-")
                                    || n.startsWith("group-coordinator")
                                    || n.startsWith("share-coordinator")
                                    || n.startsWith("TxnMarkerSender")
                                    || n.startsWith("AddPartitionsToTxn")
                                    || n.startsWith("ExpirationReaper")
                                    || n.startsWith("executor-")
                                    || n.startsWith("quorum-controller")
                                    || n.startsWith("broker-")
                                    || n.startsWith("controller-")
                                    || n.startsWith("transaction-log-manager")
                                    || n.startsWith("LogDirFailureHandler")),
                    BROKER));

    private final Map<Long, Long> cpuNanosByThread;
    private final Map<Long, String> partByThread;

    private CpuByPart(Map<Long, Long> cpuNanosByThread, Map<Long, String> partByThread) {
        this.cpuNanosByThread = cpuNanosByThread;
        this.partByThread = partByThread;
    }

    private static Map.Entry<Predicate<String>, String> rule(Predicate<String> name, String part) {
        return Map.entry(name, part);
    }

    /** The part a thread of this name works for. */
    static String partOf(String threadName) {
        return RULES.stream()
                .filter(r -> r.getKey().test(threadName))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(OTHER);
    }

    /** Every live thread's CPU time so far, with its part; empty if the JVM cannot tell. */
    static CpuByPart now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> part = new HashMap<>();
        if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return new CpuByPart(cpu, part);
        }
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue; // ended since the ids were taken
            }
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                cpu.put(info.getThreadId(), nanos);
                part.put(info.getThreadId(), partOf(info.getThreadName()));
            }
        }
        return new CpuByPart(cpu, part);
    }

    /**
     * What each thread spent between {@code earlier} and this snapshot; threads that started in between
     * count from zero, those that ended are not seen.
     */
    CpuByPart since(CpuByPart earlier) {
        Map<Long, Long> spent = new HashMap<>();
        cpuNanosByThread.forEach((id, nanos) ->
                spent.put(id, Math.max(0, nanos - earlier.cpuNanosByThread.getOrDefault(id, 0L))));
        return new CpuByPart(spent, partByThread);
    }

    /** CPU nanoseconds by part, in a fixed order: of a difference ({@link #since}), what each part spent. */
    Map<String, Long> byPart() {
        Map<String, Long> byPart = new LinkedHashMap<>();
        for (String p : List.of(BROKER, INGRESS, ABUSE, CHAT, PROJECTIONS, LOAD_GENERATOR, OTHER)) {
            byPart.put(p, 0L);
        }
        cpuNanosByThread.forEach((id, nanos) -> byPart.merge(partByThread.get(id), nanos, Long::sum));
        return byPart;
    }
}
