package app.donna.abuse.stream;

import app.donna.abuse.screening.Screening;
import app.donna.abuse.screening.UserActivity;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import io.micrometer.tracing.Span;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens each chat message of a user against the content rules and that user's recent activity (kept
 * in the {@value AbuseTopology#USER_ACTIVITY_STORE} store), and forwards the screened message keyed by
 * its session again. Input is keyed by user id, so all of a user's messages meet in this task. The verdict
 * is committed at once unless the application committed within the last commit interval
 * ({@link EagerCommits}). A message id screened within {@link AbuseTopology#RETRY_WINDOW} (a client
 * retrying one message with its idempotency key) is passed over: it was screened and forwarded once, and
 * counting it again would make an unlucky client a repeat offender.
 */
final class ScreeningProcessor implements Processor<String, SpecificRecordBase, String, SpecificRecordBase> {

    private static final Logger log = LoggerFactory.getLogger(ScreeningProcessor.class);

    private final Screening screening;
    private final String rulesVersion;
    private final EagerCommits commits;
    private final RecordTracing tracing;
    private final VerdictMetrics verdicts;
    private ProcessorContext<String, SpecificRecordBase> context;
    private KeyValueStore<String, UserActivity> activities;
    private WindowStore<String, Long> recentMessages;

    ScreeningProcessor(
            Screening screening,
            String rulesVersion,
            EagerCommits commits,
            RecordTracing tracing,
            VerdictMetrics verdicts) {
        this.verdicts = verdicts;
        this.screening = screening;
        this.rulesVersion = rulesVersion;
        this.commits = commits;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.context = context;
        this.activities = context.getStateStore(AbuseTopology.USER_ACTIVITY_STORE);
        this.recentMessages = context.getStateStore(AbuseTopology.RECENT_MESSAGES_STORE);
        commits.schedule(context);
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        Span span = tracing.startChild("chat.screen", record.headers());
        try (var scope = tracing.inScope(span)) {
            screen(record, span);
        } finally {
            span.end();
        }
    }

    private void screen(Record<String, SpecificRecordBase> record, Span span) {
        ChatMessageSubmitted message = (ChatMessageSubmitted) record.value();
        String messageId = message.getMessageId().toString();
        long at = record.timestamp();
        try (WindowStoreIterator<Long> seen = recentMessages.fetch(
                messageId,
                Instant.ofEpochMilli(at - AbuseTopology.RETRY_WINDOW.toMillis()),
                Instant.ofEpochMilli(at))) {
            if (seen.hasNext()) {
                log.info(
                        "Message {} of user {} was screened already (a retry); passing over it",
                        messageId,
                        message.getUserId());
                return;
            }
        }
        recentMessages.put(messageId, at, at);
        String user = message.getUserId();
        UserActivity before = activities.get(user);
        Screening.Outcome outcome =
                screening.screen(message.getText(), record.timestamp(), before == null ? UserActivity.EMPTY : before);
        if (!outcome.activity().equals(before)) {
            activities.put(user, outcome.activity());
        }
        span.tag("verdict", outcome.verdict().decision().name());
        verdicts.count("chat", outcome.verdict());
        Headers headers = new RecordHeaders(record.headers().toArray());
        tracing.inject(span, headers);
        context.forward(record.withKey(message.getSessionId().toString())
                .withValue((SpecificRecordBase)
                        Contracts.screened(message, outcome.storableText(), outcome.verdict(), rulesVersion))
                .withHeaders(headers));
        commits.afterForwarding(context);
    }
}
