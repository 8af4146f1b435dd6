package app.donna.email.sync;

import app.donna.events.email.MailboxSyncRequested;
import java.time.Clock;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * "Sync now" ({@code MailboxSyncRequested} on {@code donna.email.jobs}, from {@code GET
 * /api/gmail/autopilot-run}): the mailbox is made due at once, and this instance looks for due mailboxes
 * without waiting for its tick. A mailbox backing off after failures keeps waiting: asking again does not
 * override Gmail's {@code Retry-After}.
 */
@Component
class MailboxSyncJobs {

    private static final Logger log = LoggerFactory.getLogger(MailboxSyncJobs.class);

    private final SyncStates states;
    private final MailboxSyncScheduler scheduler;
    private final Clock clock;

    MailboxSyncJobs(SyncStates states, MailboxSyncScheduler scheduler, Clock clock) {
        this.states = states;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    @KafkaListener(
            id = "gmail-sync-jobs",
            topics = "donna.email.jobs",
            groupId = "${donna.gmail.sync-group-id:email-processor-sync}")
    void onJob(ConsumerRecord<String, SpecificRecordBase> record) {
        if (record.value() instanceof MailboxSyncRequested job) {
            if (states.nudge(job.getUserId(), clock.instant())) {
                scheduler.soon();
            } else {
                log.info("Sync job {} for {}: no mailbox is connected", job.getJobId(), job.getUserId());
            }
        }
    }
}
