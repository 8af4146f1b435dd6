package app.donna.platform.kafka;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/**
 * The settings every Donna Kafka Streams application starts from: the service's
 * {@link KafkaClientProperties#streams()} (connection and security included), exactly-once v2 with the commit
 * pacing {@link EagerCommits} relies on, leaving the group on close, and undecodable records handed by Spring
 * Kafka's {@link RecoveringDeserializationExceptionHandler} to the platform's one
 * {@link DeadLetterPublishingRecoverer} ({@code <topic>.DLT}, same partition, the headers listeners write).
 * A service adds its own settings on the result and makes its {@code defaultKafkaStreamsConfig} of it.
 */
public final class KafkaStreamsDefaults {

    /** How long output that no processor reports to {@link EagerCommits} may wait for its commit. */
    static final long BACKSTOP_COMMIT_MS = 100;

    private final KafkaClientProperties clients;
    private final KafkaSettings settings;
    private final DeadLetterPublishingRecoverer deadLetters;

    public KafkaStreamsDefaults(
            KafkaClientProperties clients, KafkaSettings settings, DeadLetterPublishingRecoverer deadLetters) {
        this.clients = clients;
        this.settings = settings;
        this.deadLetters = deadLetters;
    }

    /** The settings of the application {@code applicationId} keeping its state in {@code stateDir}; a new map. */
    public Map<String, Object> forApplication(String applicationId, Path stateDir) {
        Map<String, Object> props = new HashMap<>(clients.streams());
        long commitIntervalMs = settings.streamsCommitInterval().toMillis();
        // Under exactly-once, downstream readers see results only when the transaction commits. Processors
        // ask for commits themselves through EagerCommits, at most once per commit interval; Kafka Streams'
        // periodic commit is only the backstop for output no processor reports, as periodic commits on top
        // of those requests would add transactions to a busy application.
        long periodicCommitMs =
                settings.eagerCommits() ? Math.max(commitIntervalMs, BACKSTOP_COMMIT_MS) : commitIntervalMs;
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, periodicCommitMs);
        // Kafka Streams refuses a transaction timeout (10 s by default) shorter than the commit interval.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int)
                Math.max(10_000L, 2 * periodicCommitMs));
        // A stream thread commits and punctuates only between polls: one idling in poll (100 ms by default)
        // would hold results waiting for their commit until the poll returns.
        props.put(StreamsConfig.POLL_MS_CONFIG, Math.clamp(commitIntervalMs / 4, 1L, 100L));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.replicationFactor());
        // Kafka Streams keeps a closed member in its group until the session times out (45 s) unless told
        // otherwise; leaving lets a restarted or replacement instance take the partitions at once. Closing with
        // CloseOptions.leaveGroup (Spring's leaveGroupOnClose) alone does not do it for a dynamic member in
        // Kafka 4.1: SaslClusterTest finds the member still in the group without this internal setting.
        props.put(StreamsConfig.consumerPrefix("internal.leave.group.on.close"), true);
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                RecoveringDeserializationExceptionHandler.class.getName());
        props.put(
                RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER,
                deadLettering(
                        new DeduplicatedDeadLetters(deadLetters, new DeadLetterLedger(clients.consumer())),
                        applicationId));
        return props;
    }

    /**
     * Hands an undecodable record to the shared recoverer as a listener container would: wrapped in a
     * {@link ListenerExecutionFailedException} naming the group (the application id), which is how the
     * recoverer learns the {@code kafka_dlt-original-consumer-group} header. The recoverer writes with its own
     * non-transactional producer and waits for the broker; if it cannot, it throws, the handler answers FAIL
     * and the stream thread is replaced, reading the record again rather than losing it; read again after a
     * crash, a record already dead-lettered is not written twice ({@link DeduplicatedDeadLetters}).
     */
    static ConsumerRecordRecoverer deadLettering(ConsumerRecordRecoverer recoverer, String applicationId) {
        return (record, exception) -> recoverer.accept(
                record,
                new ListenerExecutionFailedException(
                        "Kafka Streams could not decode the record", applicationId, exception));
    }
}
