package app.donna.abuse.stream;

import app.donna.abuse.screening.Screening;
import app.donna.abuse.screening.UserActivity;
import app.donna.abuse.state.MessageActivity;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.observability.RecordTracing;
import io.micrometer.tracing.Span;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens each chat message of a user against the content rules and that user's recent messages (kept
 * in the {@value AbuseTopology#USER_MESSAGES_STORE} window store, which Kafka Streams expires after the
 * rules' look-back; the decision code gets them as a plain {@link UserActivity}), and forwards the
 * screened message keyed by
 * its session again. Input is keyed by user id, so all of a user's messages meet in this task. The verdict
 * is committed at once unless the application committed within the last commit interval
 * ({@link EagerCommits}). A message id screened within {@link AbuseTopology#RETRY_WINDOW} (a client
 * retrying one message with its idempotency key) is passed over: it was screened and forwarded once, and
 * counting it again would make an unlucky client a repeat offender.
 */
final class ScreeningProcessor implements Processor<String, ChatMessageSubmitted, String, SpecificRecordBase> {

    private static final Logger log = LoggerFactory.getLogger(ScreeningProcessor.class);

    private final Screening screening;
    private final long lookBackMillis;
    private final String rulesVersion;
    private final EagerCommits commits;
    private final RecordTracing tracing;
    private final VerdictMetrics verdicts;
    private ProcessorContext<String, SpecificRecordBase> context;
    private WindowStore<String, MessageActivity> userMessages;
    private WindowStore<String, Long> recentMessages;

    ScreeningProcessor(
            Screening screening,
            String rulesVersion,
            EagerCommits commits,
            RecordTracing tracing,
            VerdictMetrics verdicts) {
        this.verdicts = verdicts;
        this.screening = screening;
        this.lookBackMillis = screening.lookBack().toMillis();
        this.rulesVersion = rulesVersion;
        this.commits = commits;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecordBase> context) {
        this.context = context;
        this.userMessages = context.getStateStore(AbuseTopology.USER_MESSAGES_STORE);
        this.recentMessages = context.getStateStore(AbuseTopology.RECENT_MESSAGES_STORE);
        commits.schedule(context);
    }

    @Override
    public void process(Record<String, ChatMessageSubmitted> record) {
        Span span = tracing.startChild("chat.screen", record.headers());
        try (var scope = tracing.inScope(span)) {
            screen(record, span);
        } finally {
            span.end();
        }
    }

    private void screen(Record<String, ChatMessageSubmitted> record, Span span) {
        ChatMessageSubmitted message = record.value();
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
        Screening.Outcome outcome = screening.screen(message.getText(), at, recentActivity(user, at));
        outcome.remember()
                .ifPresent(e -> userMessages.put(user, new MessageActivity(e.textHash(), e.flagged()), e.at()));
        span.tag("verdict", outcome.verdict().decision().name());
        verdicts.count("chat", outcome.verdict());
        Headers headers = new RecordHeaders(record.headers().toArray());
        tracing.inject(span, headers);
        context.forward(record.withKey(message.getSessionId().toString())
                .withValue(Contracts.screened(message, outcome.storableText(), outcome.verdict(), rulesVersion))
                .withHeaders(headers));
        commits.afterForwarding(context);
    }

    /**
     * The user's messages the rules can need for a message at {@code at}: from the look-back before it up to
     * the latest, since those after it (it came out of order) tell whether it came too late.
     */
    private UserActivity recentActivity(String user, long at) {
        List<UserActivity.Entry> entries = new ArrayList<>();
        try (WindowStoreIterator<MessageActivity> it = userMessages.fetch(
                user, Instant.ofEpochMilli(Math.max(0, at - lookBackMillis)), Instant.ofEpochMilli(Long.MAX_VALUE))) {
            while (it.hasNext()) {
                KeyValue<Long, MessageActivity> entry = it.next();
                entries.add(new UserActivity.Entry(entry.key, entry.value.getTextHash(), entry.value.getFlagged()));
            }
        }
        return new UserActivity(entries);
    }
}
