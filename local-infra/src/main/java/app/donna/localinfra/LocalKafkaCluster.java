package app.donna.localinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of several KRaft nodes (each a broker and a controller) inside this JVM, kept as a
 * production cluster keeps Donna's topics: three replicas by default, two in sync before a write counts, and
 * the same for the transaction log of exactly-once processing. For tests that take a broker away: {@link
 * #kill} stops one at once, without handing its partitions' leadership over first (controlled shutdown is
 * off), as a crash would, and {@link #restart} brings it back with its data.
 */
public final class LocalKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafkaCluster.class);
    private static final String CONTROLLER_LISTENER = KraftStorage.CONTROLLER_LISTENER;

    private final Path dataDir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final List<Integer> brokerPorts = new ArrayList<>();
    private final List<Integer> controllerPorts = new ArrayList<>();
    private final KafkaRaftServer[] nodes;

    private LocalKafkaCluster(Path dataDir, int size) {
        this.dataDir = dataDir;
        this.nodes = new KafkaRaftServer[size];
        for (int i = 0; i < size; i++) {
            brokerPorts.add(LocalPorts.free());
            controllerPorts.add(LocalPorts.free());
        }
    }

    /** Starts {@code size} nodes together (a quorum forms only when enough of them run) and waits for all. */
    public static LocalKafkaCluster start(Path dataDir, int size) {
        LocalKafkaCluster cluster = new LocalKafkaCluster(dataDir, size);
        try {
            List<CompletableFuture<Void>> starting = new ArrayList<>();
            for (int node = 0; node < size; node++) {
                int n = node;
                starting.add(CompletableFuture.runAsync(() -> cluster.startNode(n)));
            }
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            cluster.awaitBrokers(size, Duration.ofSeconds(60));
            log.info("Kafka cluster of {} nodes ready on {}", size, cluster.bootstrapServers());
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw new IllegalStateException("the Kafka cluster did not start: " + e.getMessage(), e);
        }
    }

    /** Every node's broker address, as clients are given them. */
    public String bootstrapServers() {
        return brokerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public int size() {
        return nodes.length;
    }

    /** Stops node {@code node} (0-based) at once, leaving its partitions to be led by the others. */
    public synchronized void kill(int node) {
        KafkaRaftServer server = nodes[node];
        if (server != null) {
            nodes[node] = null;
            server.shutdown();
            server.awaitShutdown();
            log.info("Kafka node {} on 127.0.0.1:{} killed", node + 1, brokerPorts.get(node));
        }
    }

    /** Starts a killed node again, with its data, on its ports. */
    public synchronized void restart(int node) {
        if (nodes[node] == null) {
            startNode(node);
        }
    }

    private void startNode(int node) {
        Path dir = dataDir.resolve("node-" + (node + 1));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaConfig config = KafkaConfig.fromProps(properties(node, dir), false);
        KraftStorage.formatIfNeeded(config, node + 1, clusterId, dir, List.of());
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        synchronized (this) {
            nodes[node] = server;
        }
    }

    private Properties properties(int node, Path dir) {
        String voters = java.util.stream.IntStream.range(0, nodes.length)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i))
                .collect(Collectors.joining(","));
        int replicas = Math.min(3, nodes.length);
        String inSync = String.valueOf(Math.max(1, replicas - 1));
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(node + 1)),
                Map.entry("controller.quorum.voters", voters),
                Map.entry(
                        "listeners",
                        "PLAINTEXT://127.0.0.1:" + brokerPorts.get(node) + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
                                + controllerPorts.get(node)),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts.get(node)),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", CONTROLLER_LISTENER + ":PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                Map.entry("log.dirs", dir.toAbsolutePath().toString()),
                Map.entry("default.replication.factor", String.valueOf(replicas)),
                Map.entry("min.insync.replicas", inSync),
                Map.entry("offsets.topic.replication.factor", String.valueOf(replicas)),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", String.valueOf(replicas)),
                Map.entry("transaction.state.log.min.isr", inSync),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("share.coordinator.state.topic.replication.factor", String.valueOf(replicas)),
                Map.entry("share.coordinator.state.topic.min.isr", inSync),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("num.partitions", "3"),
                // a killed node hands nothing over: the controller moves leadership when its session lapses
                Map.entry("controlled.shutdown.enable", "false"),
                Map.entry("log.segment.bytes", String.valueOf(16 * 1024 * 1024))));
        return p;
    }

    /** Waits until the cluster reports {@code count} brokers. */
    public void awaitBrokers(int count, Duration timeout) {
        KraftStorage.awaitBrokers(
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()), count, timeout);
    }

    @Override
    public synchronized void close() {
        for (int i = nodes.length - 1; i >= 0; i--) {
            KafkaRaftServer server = nodes[i];
            nodes[i] = null;
            if (server != null) {
                try {
                    server.shutdown();
                    server.awaitShutdown();
                } catch (RuntimeException e) {
                    log.warn("Kafka node {} did not stop cleanly: {}", i + 1, e.getMessage());
                }
            }
        }
    }
}
