package app.donna.platform.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * A Kafka Streams application run for the life of a Spring application, with the settings every Donna
 * stream processor shares: exactly-once v2 with commits asked for by its processors ({@link EagerCommits}),
 * undecodable records to {@code <topic>.DLT}, leaving the group on close (so a restart does not wait out
 * the session timeout), a failed stream thread replaced, and health UP while running or rebalancing.
 */
public final class ManagedStreams implements SmartLifecycle, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(ManagedStreams.class);
    /** How long output that no processor reports to {@link EagerCommits} may wait for its commit. */
    static final long BACKSTOP_COMMIT_MS = 100;

    private final KafkaStreams streams;
    private final DeadLetterProducer deadLetters;
    private volatile boolean running;

    /**
     * @param commits the application's {@link EagerCommits}, used by its processors; told when each
     *                transaction commits
     */
    public ManagedStreams(Topology topology, Properties properties, EagerCommits commits) {
        this.deadLetters = new DeadLetterProducer(properties);
        Properties withDeadLetters = new Properties();
        withDeadLetters.putAll(properties);
        withDeadLetters.put(DeadLetteringDeserializationHandler.PRODUCER_CONFIG, deadLetters);
        this.streams = new KafkaStreams(topology, withDeadLetters, new CommitReportingClients(commits::committed));
    }

    /**
     * The service's Kafka Streams settings ({@link KafkaClientProperties#streams()}: connection and security
     * included) with those every Donna stream application shares; add or override application-specific
     * ones on the result.
     */
    public static Properties defaults(
            KafkaClientProperties clients,
            String applicationId,
            Path stateDir,
            int replicationFactor,
            Duration commitInterval) {
        Properties props = new Properties();
        props.putAll(clients.streams());
        // Under exactly-once, downstream readers see results only when the transaction commits. Processors
        // ask for commits themselves through EagerCommits, at most once per commit interval; Kafka Streams'
        // periodic commit is only the backstop for output no processor reports, as periodic commits on top
        // of those requests would add transactions to a busy application.
        long periodicCommitMs = Math.max(commitInterval.toMillis(), BACKSTOP_COMMIT_MS);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, periodicCommitMs);
        // Kafka Streams refuses a transaction timeout (10 s by default) shorter than the commit interval.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int)
                Math.max(10_000L, 2 * periodicCommitMs));
        // A stream thread commits and punctuates only between polls: one idling in poll (100 ms by default)
        // would hold results waiting for their commit until the poll returns.
        props.put(StreamsConfig.POLL_MS_CONFIG, Math.clamp(commitInterval.toMillis() / 4, 1L, 100L));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        // Kafka Streams keeps a closed member in its group until the session times out (45 s) unless told
        // otherwise; leaving lets a restarted or replacement instance take the partitions at once.
        props.put(StreamsConfig.consumerPrefix("internal.leave.group.on.close"), true);
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        return props;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void start() {
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        running = true;
    }

    @Override
    public void stop() {
        streams.close(
                new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
        deadLetters.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return (up ? Health.up() : Health.down())
                .withDetail("state", state.name())
                .build();
    }
}
