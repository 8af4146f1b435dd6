package app.donna.email.autopilot;

import app.donna.email.account.GmailConnections;
import app.donna.email.autopilot.rules.AutopilotRules;
import app.donna.email.autopilot.rules.AutopilotRules.Outcome;
import app.donna.email.work.Published;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The autopilot: it reacts to every {@code EmailReceived} with an {@code AutopilotDecided} saying what it
 * does and why ({@link AutopilotRules}, then the caps, kept once per mail by {@link AutopilotStore}); a
 * reply becomes a {@code DraftReplyRequested} of origin AUTOPILOT, drafted for a person to approve or sent
 * at once, as the user's mode says. It learns the user's settings from the compacted
 * {@code donna.settings.autopilot}, and which threads a person answered from {@code EmailSent}.
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
            id = "gmail-autopilot",
            topics = "donna.email.events",
            groupId = "${donna.gmail.autopilot.group-id:email-processor-autopilot}")
    void onEvent(ConsumerRecord<String, SpecificRecordBase> record) {
        switch (record.value()) {
            case EmailReceived mail -> decide(mail);
            case EmailSent sent
            when sent.getOrigin() == SendOrigin.USER && sent.getThreadId() != null ->
                store.answeredByPerson(sent.getUserId(), sent.getThreadId());
            default -> {
                // connections, drafts, failures and decisions are not autopilot's to react to
            }
        }
    }

    void decide(EmailReceived mail) {
        String user = mail.getUserId();
        Optional<AutopilotStore.Kept> kept = store.decided(user, mail.getGmailMessageId());
        if (kept.isEmpty()) {
            kept = Optional.of(decideAnew(mail));
        }
        publish(mail, kept.get());
    }

    private AutopilotStore.Kept decideAnew(EmailReceived mail) {
        String user = mail.getUserId();
        AutopilotSettings settings = store.settings(user).orElse(null);
        AutopilotRules.Settings rules = settings == null ? AutopilotRules.Settings.off() : rules(settings);
        String sender = address(mail.getReplyTo() != null ? mail.getReplyTo() : mail.getFrom());
        String owner = connections.of(user).map(c -> c.emailAddress()).orElse("");
        Instant now = clock.instant();
        AutopilotRules.Decision decision = AutopilotRules.decide(
                rules,
                new AutopilotRules.Mail(
                        sender,
                        owner,
                        mail.getAutomationHeaders(),
                        mail.getLabelIds(),
                        store.isAnsweredByPerson(user, mail.getThreadId()),
                        false),
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
        AutopilotStore.Kept kept = store.keep(
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
        log.info("Autopilot on mail {} of {}: {} ({})", mail.getGmailMessageId(), user, kept.outcome(), kept.reason());
        return kept;
    }

    /** The decision, and for a reply its draft job: the same events however often the mail is read. */
    private void publish(EmailReceived mail, AutopilotStore.Kept kept) {
        String user = mail.getUserId();
        published.on(
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
                        .build());
        if (kept.outcome() == Outcome.REPLY) {
            published.on(
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
                            .build());
        }
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
