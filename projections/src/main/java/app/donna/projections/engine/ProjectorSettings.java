package app.donna.projections.engine;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How projectors consume ({@code donna.projections.*}).
 *
 * @param enabled       run the projectors in this process
 * @param batchSize     most records per poll, and so per transaction
 * @param pollTimeout   longest wait for records in one poll of the listener container
 * @param batchWait     how long the broker may hold a fetch while too little is waiting to fill a batch:
 *                      fewer and larger transactions, and fewer fetches for the broker to answer, for read
 *                      models that lag up to this much more; zero fetches whatever is there at once
 * @param maxAttempts   attempts in all at a record that fails for another reason than being undecodable, bad
 *                      data or an unreachable database (a failed batch is written one record at a time to
 *                      find it), before it is dead-lettered; undecodable and bad-data records are
 *                      dead-lettered at once, and an unreachable database is waited for without limit
 * @param maxBackoff    longest wait between attempts (from 200 ms, doubling)
 * @param synchronousCommit wait for each batch's commit to reach disk; off is safe here because rows and
 *                      offsets are lost together in a database crash and then read again from Kafka
 */
@Validated
@ConfigurationProperties("donna.projections")
public record ProjectorSettings(
        @DefaultValue("true") boolean enabled,
        @Min(1) @DefaultValue("2000") int batchSize,
        @DefaultValue("500ms") Duration pollTimeout,
        @DefaultValue("50ms") Duration batchWait,
        @Min(1) @DefaultValue("3") int maxAttempts,
        @DefaultValue("30s") Duration maxBackoff,
        @DefaultValue("false") boolean synchronousCommit) {}
