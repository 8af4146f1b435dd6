package app.donna.abuse.stream;

import app.donna.abuse.screening.Screening;
import app.donna.abuse.screening.UserActivity;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.kafka.EagerCommits;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Screens each chat message of a user against the content rules and that user's recent activity (kept
 * in the {@value AbuseTopology#USER_ACTIVITY_STORE} store), and forwards the screened message keyed by
 * its session again. Input is keyed by user id, so all of a user's messages meet in this task. The verdict
 * is committed at once unless the application committed within the last commit interval
 * ({@link EagerCommits}).
 */
final class ScreeningProcessor implements Processor<String, SpecificRecordBase, String, SpecificRecordBase> {

    private final Screening screening;
    private final String rulesVersion;
    private final EagerCommits commits;
    private ProcessorContext<String, SpecificRecordBase> context;
    private KeyValueStore<String, UserActivity> activities;

    ScreeningProcessor(Screening screening, String rulesVersion, EagerCommits commits) {
        this.screening = screening;
        this.rulesVersion = rulesVersion;
        this.commits = commits;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.context = context;
        this.activities = context.getStateStore(AbuseTopology.USER_ACTIVITY_STORE);
        commits.schedule(context);
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        ChatMessageSubmitted message = (ChatMessageSubmitted) record.value();
        String user = message.getUserId();
        UserActivity before = activities.get(user);
        Screening.Outcome outcome = screening.screen(message.getText(), record.timestamp(),
                before == null ? UserActivity.EMPTY : before);
        if (!outcome.activity().equals(before)) {
            activities.put(user, outcome.activity());
        }
        context.forward(record.withKey(message.getSessionId().toString())
                .withValue(Contracts.screened(message, outcome.storableText(), outcome.verdict(), rulesVersion)));
        commits.afterForwarding(context);
    }
}
