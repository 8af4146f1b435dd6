package app.donna.localinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one node), started
 * inside this JVM from the broker jars Apache publishes.
 *
 * <p>Used by {@code donna dev} (data kept in a folder across restarts) and by the test harness (data in
 * a temporary folder). The node formats its storage on first start exactly as {@code kafka-storage.sh
 * format} would, and reuses it afterwards.
 *
 * <p>By default clients connect in plaintext. {@link #startWithScram} starts a broker whose only client
 * listener requires SASL/SCRAM-SHA-256, as a managed Kafka does, for tests that prove clients carry their
 * credentials; {@link #clientProperties()} is what a client needs to reach either kind.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = KraftStorage.CONTROLLER_LISTENER;
    private static final String SCRAM_MECHANISM = "SCRAM-SHA-256";

    /**
     * A user of a SCRAM broker. Letters, digits, {@code _} and {@code -} only, so that both the storage
     * formatter's and JAAS's syntax take them as they are.
     */
    public record ScramUser(String name, String password) {
        public ScramUser {
            for (String part : List.of(name, password)) {
                if (!part.matches("[A-Za-z0-9_-]+")) {
                    throw new IllegalArgumentException("SCRAM user names and passwords here are [A-Za-z0-9_-]+");
                }
            }
        }

        /** The {@code sasl.jaas.config} of a client that logs in as this user. */
        public String jaasConfig() {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name
                    + "\" password=\"" + password + "\";";
        }
    }

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Optional<ScramUser> scramUser;

    private LocalKafka(
            KafkaRaftServer server, Path dataDir, int brokerPort, int controllerPort, Optional<ScramUser> scramUser) {
        this.server = server;
        this.bootstrapServers = "127.0.0.1:" + brokerPort;
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.scramUser = scramUser;
    }

    /**
     * Starts a broker that keeps its log in {@code dataDir}, listening on {@code port} (0 picks a free
     * port) for plaintext clients. Returns once the broker answers metadata requests.
     */
    public static LocalKafka start(Path dataDir, int port) {
        return start(dataDir, port == 0 ? LocalPorts.free() : port, LocalPorts.free(), Optional.empty());
    }

    /**
     * Starts a broker like {@link #start}, except that its client listener accepts only SASL/SCRAM-SHA-256
     * (without TLS) and knows one user, {@code user}, which the broker also uses to talk to itself. The
     * user is written into the storage when it is formatted, on the first start in {@code dataDir}.
     */
    public static LocalKafka startWithScram(Path dataDir, int port, ScramUser user) {
        return start(dataDir, port == 0 ? LocalPorts.free() : port, LocalPorts.free(), Optional.of(user));
    }

    /**
     * Starts this broker again after {@link #close()}, with its data, on its ports and with its listener:
     * for tests that stage a broker outage.
     */
    public LocalKafka restart() {
        return start(dataDir, brokerPort, controllerPort, scramUser);
    }

    private static LocalKafka start(Path dataDir, int brokerPort, int controllerPort, Optional<ScramUser> scramUser) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data folder " + dataDir, e);
        }
        Properties props = serverProperties(dataDir, brokerPort, controllerPort, scramUser);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        formatIfNeeded(config, dataDir, scramUser);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        LocalKafka kafka = new LocalKafka(server, dataDir, brokerPort, controllerPort, scramUser);
        kafka.awaitReady(Duration.ofSeconds(60));
        log.info(
                "Kafka broker (KRaft) ready on {}{} with data in {}",
                kafka.bootstrapServers,
                scramUser.isPresent() ? " (SASL/" + SCRAM_MECHANISM + " only)" : "",
                dataDir);
        return kafka;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * What a client needs to reach this broker: {@code bootstrap.servers}, and for a SCRAM broker the
     * security protocol, mechanism and login of its user.
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        scramUser.ifPresent(user -> {
            p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            p.put(SaslConfigs.SASL_MECHANISM, SCRAM_MECHANISM);
            p.put(SaslConfigs.SASL_JAAS_CONFIG, user.jaasConfig());
        });
        return p;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        log.info("Kafka broker on {} stopped", bootstrapServers);
    }

    private static Properties serverProperties(
            Path dataDir, int brokerPort, int controllerPort, Optional<ScramUser> scramUser) {
        // The broker listener is the only one clients reach; the controller listener carries only this
        // node's own KRaft traffic and is never advertised to clients.
        String listener = scramUser.isPresent() ? "SASL_PLAINTEXT" : "PLAINTEXT";
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort),
                Map.entry(
                        "listeners",
                        listener + "://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
                                + controllerPort),
                Map.entry("advertised.listeners", listener + "://127.0.0.1:" + brokerPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("inter.broker.listener.name", listener),
                Map.entry(
                        "listener.security.protocol.map",
                        CONTROLLER_LISTENER + ":PLAINTEXT," + listener + ":" + listener),
                Map.entry("log.dirs", dataDir.toAbsolutePath().toString()),
                // A single node: every internal topic has one replica.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Topics come from the catalog; a typo must fail instead of creating a topic.
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("num.partitions", "3"),
                // Keep a dev laptop's disk in check; production retention is set per topic.
                Map.entry("log.segment.bytes", String.valueOf(64 * 1024 * 1024)),
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024))));
        scramUser.ifPresent(user -> {
            p.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
            // The broker reaches itself over the same listener (transaction markers, for one), as the user.
            p.put("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
            p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", user.jaasConfig());
        });
        return p;
    }

    private static void formatIfNeeded(KafkaConfig config, Path dataDir, Optional<ScramUser> scramUser) {
        String said = KraftStorage.formatIfNeeded(
                config,
                NODE_ID,
                Uuid.randomUuid().toString(),
                dataDir,
                scramUser
                        .map(user -> List.of(
                                SCRAM_MECHANISM + "=[name=" + user.name() + ",password=" + user.password() + "]"))
                        .orElse(List.of()));
        if (!said.isEmpty()) {
            log.info("Formatted Kafka storage in {}: {}", dataDir, said);
        }
    }

    private void awaitReady(Duration timeout) {
        KraftStorage.awaitBrokers(clientProperties(), 1, timeout);
    }
}
