package app.donna.localinfra;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * What starting a KRaft node in this JVM takes beyond its configuration, for one broker ({@link LocalKafka})
 * and a cluster ({@link LocalKafkaCluster}) alike: formatting its storage on the first start, as
 * {@code kafka-storage format} does, and waiting until the cluster answers with enough brokers.
 */
final class KraftStorage {

    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private KraftStorage() {}

    /**
     * Formats {@code dataDir} for node {@code nodeId} of cluster {@code clusterId} unless it is formatted
     * already; {@code scram} are {@code kafka-storage format --add-scram} arguments (KRaft keeps SCRAM users
     * in its metadata log). Returns what the formatter said, or empty when there was nothing to do.
     */
    static String formatIfNeeded(KafkaConfig config, int nodeId, String clusterId, Path dataDir, List<String> scram) {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(print)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(dataDir.toAbsolutePath().toString())
                    .setIgnoreFormatted(true)
                    .setScramArguments(scram)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka storage in " + dataDir + ": " + e.getMessage(), e);
        }
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    /** Waits until a client with {@code clientProperties} sees at least {@code count} brokers. */
    static void awaitBrokers(Map<String, Object> clientProperties, int count, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                Exception last = null;
                try {
                    if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= count) {
                        return;
                    }
                } catch (Exception notYet) {
                    last = notYet;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Kafka on " + p.get("bootstrap.servers") + " did not report " + count + " broker(s) within "
                                    + timeout,
                            last);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
