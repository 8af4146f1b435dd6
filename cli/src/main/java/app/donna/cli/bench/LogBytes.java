package app.donna.cli.bench;

import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;

/**
 * What the broker keeps on disk, by topic: the log sizes its log directories report. Two snapshots a
 * window apart say how many bytes each message leaves in each topic, which is what retention multiplies
 * (a topic kept forever keeps them for ever). Taken off the caller's thread, as describing the log
 * directories takes a round trip the load generator's clock must not wait for.
 */
record LogBytes(Map<String, Long> byTopic, String failure) {

    /** The catalog's topics, shown one by one (their dead-letter topics count with the rest). */
    private static final Set<String> CATALOG =
            Topics.ALL.stream().map(Topic::name).collect(Collectors.toUnmodifiableSet());

    LogBytes(Map<String, Long> byTopic) {
        this(byTopic, null);
    }

    /** A snapshot taken on a thread of its own; one that failed says why instead of failing the bench. */
    static CompletableFuture<LogBytes> takeAsync(String bootstrapServers) {
        CompletableFuture<LogBytes> snapshot = new CompletableFuture<>();
        Thread.ofPlatform().name("bench-log-bytes").daemon().start(() -> {
            try {
                snapshot.complete(take(bootstrapServers));
            } catch (RuntimeException e) {
                snapshot.complete(new LogBytes(Map.of(), e.getMessage()));
            }
        });
        return snapshot;
    }

    static LogBytes take(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(node -> node.id())
                    .toList();
            Map<String, Long> sizes = new TreeMap<>();
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers)
                    .allDescriptions()
                    .get(30, TimeUnit.SECONDS)
                    .values()) {
                for (LogDirDescription dir : dirs.values()) {
                    dir.replicaInfos().forEach((tp, replica) -> sizes.merge(tp.topic(), replica.size(), Long::sum));
                }
            }
            return new LogBytes(sizes);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("could not describe the broker's log directories: " + cause, e);
        }
    }

    /**
     * Bytes per message between {@code before} and this snapshot: each catalog topic on its own, then the
     * rest (the stream apps' changelogs and internal topics, dead letters, the bench's own topics) together.
     */
    String perMessage(LogBytes before, long messages) {
        if (failure != null || before.failure != null) {
            return "unknown (" + (failure != null ? failure : before.failure) + ")";
        }
        Map<String, Long> grown = new LinkedHashMap<>();
        long rest = 0;
        long total = 0;
        for (Map.Entry<String, Long> e : byTopic.entrySet()) {
            long added = e.getValue() - before.byTopic.getOrDefault(e.getKey(), 0L);
            total += added;
            if (CATALOG.contains(e.getKey())) {
                grown.put(e.getKey(), added);
            } else {
                rest += added;
            }
        }
        StringBuilder line = new StringBuilder();
        grown.forEach((topic, added) -> {
            if (added > 0) {
                line.append(String.format("%s %,d B, ", topic, added / Math.max(1, messages)));
            }
        });
        return line.append(String.format(
                        "changelogs, internal and other topics %,d B; total %,d B",
                        rest / Math.max(1, messages), total / Math.max(1, messages)))
                .toString();
    }
}
