package app.donna.email.send;

import app.donna.events.email.SendEmailRequested;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Takes {@code SendEmailRequested} from {@code donna.email.jobs} into the send ledger, and nothing more:
 * the sending is {@link MailSender}'s, so a throttled or slow mailbox never holds up the partition its
 * jobs share with other users'. The offset is committed only once the job is in the ledger; while the
 * database is away the listener waits for it rather than lose the job.
 */
@Component
class SendJobs {

    private static final Logger log = LoggerFactory.getLogger(SendJobs.class);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(10);

    private final SendLedger ledger;
    private final MailSender sender;

    SendJobs(SendLedger ledger, MailSender sender) {
        this.ledger = ledger;
        this.sender = sender;
    }

    @KafkaListener(
            id = "gmail-send-jobs",
            topics = "donna.email.jobs",
            groupId = "${donna.gmail.send.group-id:email-processor-send}",
            autoStartup = "${donna.gmail.send.enabled:true}")
    void onJob(ConsumerRecord<String, SpecificRecordBase> record) throws InterruptedException {
        if (!(record.value() instanceof SendEmailRequested job)) {
            return;
        }
        Duration wait = Duration.ofMillis(250);
        for (int tries = 1; ; tries++) {
            try {
                if (ledger.record(job, sender.messageIdFor(job))) {
                    log.info("Send job {} of {} recorded ({})", job.getJobId(), job.getUserId(), job.getOrigin());
                }
                sender.soon();
                return;
            } catch (DataAccessException e) {
                if (tries == 1 || tries % 10 == 0) {
                    log.warn("Send job {} waits for the database ({}), try {}", job.getJobId(), e.getMessage(), tries);
                }
                Thread.sleep(wait);
                wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            }
        }
    }
}
