package app.donna.email.autopilot;

import app.donna.email.account.GmailConnections;
import app.donna.email.autopilot.rules.AutopilotRules;
import app.donna.email.autopilot.rules.AutopilotRules.Outcome;
import app.donna.email.work.Published;
import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.SendOrigin;
import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.AutopilotDecision;
import app.donna.events.email.DraftReplyRequested;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.settings.AutopilotSettings;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;

/**
 * The autopilot: it reacts to every {@code EmailReceived} with an {@code AutopilotDecided} saying what it
 * does and why ({@link AutopilotRules}, then the caps, kept once per mail by {@link AutopilotStore}); a
 * reply becomes a {@code DraftReplyRequested} of origin AUTOPILOT, drafted for a person to approve or sent
 * at once, as the user's mode says. It learns the user's settings from the compacted
 * {@code donna.settings.autopilot}, which threads a person answered from {@code EmailSent}, and which
 * senders the abuse detector flagged from {@code donna.abuse.flags} (a flag on a sender's mail reaches it
 * about when that mail does, so it holds for certain from the sender's next mail on).
 */
@Component
class Autopilot {

    private static final Logger log = LoggerFactory.getLogger(Autopilot.class);

    private final AutopilotStore store;
    private final GmailConnections connections;
    private final Published published;
    private final Clock clock;
    private final MeterRegistry meters;

    Autopilot(
            AutopilotStore store,
            GmailConnections connections,
            Published published,
            Clock clock,
            MeterRegistry meters) {
        this.store = store;
        this.connections = connections;
        this.published = published;
        this.clock = clock;
        this.meters = meters;
    }

    @KafkaListener(
            id = "gmail-autopilot-settings",
            topics = "donna.settings.autopilot",
            groupId = "${donna.gmail.autopilot.settings-group-id:email-processor-autopilot-settings}")
    void onSettings(ConsumerRecord<String, AutopilotSettings> record) {
        if (record.value() != null) {
            store.settingsChanged(record.value());
            log.info(
                    "Autopilot settings of {}: {}",
                    record.value().getUserId(),
                    record.value().getMode());
        }
    }

    @KafkaListener(
            id = "gmail-autopilot-flags",
            topics = "donna.abuse.flags",
            groupId = "${donna.gmail.autopilot.flags-group-id:email-processor-autopilot-flags}")
    void onFlag(ConsumerRecord<String, AbuseFlagged> record) {
        AbuseFlagged flag = record.value();
        if (flag != null
                && flag.getSource() == EventSource.EMAIL
                && flag.getUserId().startsWith(EMAIL_SENDER)
                && flag.getDecision() != Decision.ALLOW) {
            store.senderFlagged(
                    flag.getSessionId(), flag.getUserId().substring(EMAIL_SENDER.length()), flag.getOccurredAt());
            log.info(
                    "Autopilot of {} leaves {} alone from now on (flagged {})",
                    flag.getSessionId(),
                    flag.getUserId(),
                    flag.getDecision());
        }
    }

    /** How the abuse detector names the sender of flagged mail. */
    static final String EMAIL_SENDER = "email:";

    /**
     * A batch of the topic at once: every decision of the batch kept in one transaction (one commit), then
     * every event published and awaited together, before the batch's offsets are committed. A batch read
     * again (a failure, a rebalance) is decided the same way: the decisions are kept per mail. A record
     * nobody can read goes to the dead-letter topic once those before it are done.
     */
    @KafkaListener(
            id = "gmail-autopilot",
            topics = "donna.email.events",
            groupId = "${donna.gmail.autopilot.group-id:email-processor-autopilot}",
            batch = "true",
            concurrency = "${donna.gmail.autopilot.concurrency:3}",
            containerPostProcessor = "autopilotContainer")
    void onEvents(List<ConsumerRecord<String, SpecificRecordBase>> records) {
        int unreadable = 0;
        while (unreadable < records.size() && records.get(unreadable).value() != null) {
            unreadable++;
        }
        // the records before the first unreadable one, in their order: a person's answer counts only for
        // mail that came after it, as it would one record at a time
        List<ConsumerRecord<String, SpecificRecordBase>> readable = records.subList(0, unreadable);
        List<EmailReceived> mails = new ArrayList<>();
        for (ConsumerRecord<String, SpecificRecordBase> record : readable) {
            if (record.value() instanceof EmailReceived mail) {
                mails.add(mail);
            }
        }
        List<CompletableFuture<?>> sends = new ArrayList<>();
        if (!readable.isEmpty()) {
            List<AutopilotStore.Kept> kept = store.inOneTransaction(tx -> {
                Map<String, AutopilotRules.Settings> settings = new HashMap<>();
                Map<String, String> owners = new HashMap<>();
                List<AutopilotStore.Kept> decided = new ArrayList<>();
                for (ConsumerRecord<String, SpecificRecordBase> record : readable) {
                    switch (record.value()) {
                        case EmailReceived mail ->
                            decided.add(tx.decided(mail.getUserId(), mail.getGmailMessageId())
                                    .orElseGet(() -> decideAnew(tx, mail, settings, owners)));
                        case EmailSent sent
                        when sent.getOrigin() == SendOrigin.USER && sent.getThreadId() != null ->
                            tx.answeredByPerson(sent.getUserId(), sent.getThreadId());
                        default -> {
                            // connections, drafts, failures and decisions are not autopilot's to react to
                        }
                    }
                }
                return decided;
            });
            for (int i = 0; i < mails.size(); i++) {
                sends.addAll(publish(mails.get(i), kept.get(i)));
            }
        }
        published.awaitAll(sends);
        if (unreadable < records.size()) {
            throw new BatchListenerFailedException("a record nobody can read", unreadable);
        }
    }

    /**
     * The batch listener's container without Spring Kafka's own listener timer: a batch listener's timer
     * has other tag names than the record listeners' observations, and Prometheus would then drop one of
     * the two for the whole service. Its work is counted by {@code donna.gmail.autopilot.decisions}.
     */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class ContainerSettings {
        @org.springframework.context.annotation.Bean
        org.springframework.kafka.config.ContainerPostProcessor<
                        Object,
                        Object,
                        org.springframework.kafka.listener.AbstractMessageListenerContainer<Object, Object>>
                autopilotContainer() {
            return container -> container.getContainerProperties().setMicrometerEnabled(false);
        }
    }

    private AutopilotStore.Kept decideAnew(
            AutopilotStore tx,
            EmailReceived mail,
            Map<String, AutopilotRules.Settings> settings,
            Map<String, String> owners) {
        String user = mail.getUserId();
        AutopilotRules.Settings rules = settings.computeIfAbsent(
                user, u -> tx.settings(u).map(Autopilot::rules).orElse(AutopilotRules.Settings.off()));
        String sender = address(mail.getReplyTo() != null ? mail.getReplyTo() : mail.getFrom());
        String owner = owners.computeIfAbsent(
                user, u -> connections.of(u).map(c -> c.emailAddress()).orElse(""));
        Instant now = clock.instant();
        AutopilotRules.Decision decision = AutopilotRules.decide(
                rules,
                new AutopilotRules.Mail(
                        sender,
                        owner,
                        mail.getAutomationHeaders(),
                        mail.getLabelIds(),
                        tx.isAnsweredByPerson(user, mail.getThreadId()),
                        tx.isFlagged(user, sender)),
                now);
        AutopilotRules.CapScopes scopes = AutopilotRules.capScopes(rules, sender, mail.getThreadId(), now);
        List<AutopilotStore.Cap> caps = List.of(
                new AutopilotStore.Cap(scopes.day(), rules.perDay(), "the daily cap of " + rules.perDay() + " replies"),
                new AutopilotStore.Cap(
                        scopes.senderToday(),
                        rules.perSender(),
                        "the cap of " + rules.perSender() + " replies a day to one sender"),
                new AutopilotStore.Cap(
                        scopes.thread(),
                        rules.perThread(),
                        "the cap of " + rules.perThread() + " replies in one thread"));
        UUID jobId = DerivedIds.of("autopilot-reply", user + "/" + mail.getGmailMessageId());
        AutopilotStore.Kept kept = tx.keep(
                user,
                mail.getGmailMessageId(),
                decision,
                caps,
                jobId,
                rules.mode() == AutopilotRules.Mode.AUTO_SEND,
                now);
        meters.counter(
                        "donna.gmail.autopilot.decisions",
                        "decision",
                        kept.outcome().name().toLowerCase(Locale.ROOT))
                .increment();
        log.debug("Autopilot on mail {} of {}: {} ({})", mail.getGmailMessageId(), user, kept.outcome(), kept.reason());
        return kept;
    }

    /** The decision, and for a reply its draft job: the same events however often the mail is read. */
    private List<CompletableFuture<?>> publish(EmailReceived mail, AutopilotStore.Kept kept) {
        String user = mail.getUserId();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        sends.add(published.start(
                Topics.EMAIL_EVENTS,
                user,
                AutopilotDecided.newBuilder()
                        .setEventId(DerivedIds.of("autopilot-decided", user + "/" + mail.getGmailMessageId()))
                        .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(user)
                        .setGmailMessageId(mail.getGmailMessageId())
                        .setDecision(AutopilotDecision.valueOf(kept.outcome().name()))
                        .setReasons(List.of(kept.reason()))
                        .setJobId(kept.jobId())
                        .build()));
        if (kept.outcome() == Outcome.REPLY) {
            sends.add(published.start(
                    Topics.EMAIL_JOBS,
                    user,
                    DraftReplyRequested.newBuilder()
                            .setEventId(DerivedIds.of("draft-reply-requested", kept.jobId()))
                            .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                            .setUserId(user)
                            .setJobId(kept.jobId())
                            .setGmailMessageId(mail.getGmailMessageId())
                            .setThreadId(mail.getThreadId())
                            .setOrigin(SendOrigin.AUTOPILOT)
                            .setSendWhenDrafted(kept.sendAtOnce())
                            .build()));
        }
        return sends;
    }

    /** The rules' view of the user's settings; what cannot be read (a bad time zone) falls back safely. */
    static AutopilotRules.Settings rules(AutopilotSettings s) {
        AutopilotRules.Mode mode = switch (s.getMode()) {
            case DRAFT_ONLY -> AutopilotRules.Mode.DRAFT_ONLY;
            case AUTO_SEND -> AutopilotRules.Mode.AUTO_SEND;
            case OFF, UNKNOWN -> AutopilotRules.Mode.OFF;
        };
        ZoneId zone;
        try {
            zone = ZoneId.of(s.getTimeZone());
        } catch (RuntimeException e) {
            zone = ZoneId.of("UTC");
        }
        return new AutopilotRules.Settings(
                mode,
                s.getMaxRepliesPerDay(),
                s.getMaxRepliesPerSender(),
                s.getMaxRepliesPerThread(),
                time(s.getQuietHoursStart()),
                time(s.getQuietHoursEnd()),
                zone,
                s.getAllowedSenders(),
                s.getBlockedSenders());
    }

    private static Optional<LocalTime> time(String hhmm) {
        try {
            return hhmm == null ? Optional.empty() : Optional.of(LocalTime.parse(hhmm));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The bare address of a From or Reply-To header; empty when there is none to answer. */
    static String address(String header) {
        if (header == null || header.isBlank()) {
            return "";
        }
        try {
            InternetAddress[] parsed = InternetAddress.parseHeader(header, false);
            return parsed.length == 0 || parsed[0].getAddress() == null
                    ? ""
                    : parsed[0].getAddress().toLowerCase(Locale.ROOT);
        } catch (AddressException e) {
            return "";
        }
    }
}
