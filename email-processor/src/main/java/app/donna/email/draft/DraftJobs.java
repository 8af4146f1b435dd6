package app.donna.email.draft;

import app.donna.events.email.DraftReplyRequested;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Takes {@code DraftReplyRequested} from {@code donna.email.jobs} to the {@link Drafter}. */
@Component
class DraftJobs {

    private final Drafter drafter;

    DraftJobs(Drafter drafter) {
        this.drafter = drafter;
    }

    @KafkaListener(
            id = "gmail-draft-jobs",
            topics = "donna.email.jobs",
            groupId = "${donna.gmail.drafting.group-id:email-processor-draft}",
            autoStartup = "${donna.gmail.drafting.enabled:true}")
    void onJob(ConsumerRecord<String, SpecificRecordBase> record) {
        if (record.value() instanceof DraftReplyRequested job) {
            drafter.draft(job);
        }
    }
}
