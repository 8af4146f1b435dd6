package app.donna.email.sync;

import app.donna.email.account.GmailCalls;
import app.donna.email.account.GmailCalls.Cost;
import app.donna.email.account.GmailSettings;
import app.donna.events.email.EmailReceived;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import com.google.api.services.gmail.model.History;
import com.google.api.services.gmail.model.HistoryMessageAdded;
import com.google.api.services.gmail.model.ListHistoryResponse;
import com.google.api.services.gmail.model.ListMessagesResponse;
import com.google.api.services.gmail.model.Message;
import com.google.api.services.gmail.model.MessagePartHeader;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * One sync of one mailbox. The first (and one whose history Gmail no longer keeps: {@code 404}) reads the
 * inbox's recent window, bounded; every later one reads Gmail's history since the last, for messages
 * added to the inbox. Each new message is published as {@code EmailReceived}, oldest first, with an event
 * id derived from the mailbox and the message, so a sync repeated after a crash publishes the same events
 * again rather than new ones. Where history stands is saved only after every event was acknowledged.
 */
@Component
class MailboxSync {

    /** The headers an {@code EmailReceived} carries as automation signs (RFC 3834, RFC 2369, and common practice). */
    static final List<String> AUTOMATION_HEADERS = List.of(
            "auto-submitted",
            "precedence",
            "list-id",
            "list-unsubscribe",
            "x-autoreply",
            "x-autorespond",
            "x-auto-response-suppress",
            "return-path");

    private static final List<String> METADATA_HEADERS =
            concat(List.of("From", "To", "Subject", "Message-ID", "Reply-To"), AUTOMATION_HEADERS);

    /** What a sync did: where history stands now, and how many messages it published. */
    record Outcome(long historyId, int published, boolean full) {}

    private final GmailCalls calls;
    private final GmailSettings settings;
    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final Clock clock;

    MailboxSync(
            GmailCalls calls, GmailSettings settings, KafkaTemplate<String, SpecificRecordBase> kafka, Clock clock) {
        this.calls = calls;
        this.settings = settings;
        this.kafka = kafka;
        this.clock = clock;
    }

    Outcome sync(String userId, Long historyId) throws GmailCalls.Failed {
        if (historyId == null) {
            return full(userId);
        }
        List<String> added = new ArrayList<>();
        BigInteger latest;
        try {
            latest = BigInteger.valueOf(historyId);
            String page = null;
            do {
                String pageToken = page;
                ListHistoryResponse response = calls.call(
                        userId,
                        Cost.HISTORY,
                        gmail -> gmail.users()
                                .history()
                                .list("me")
                                .setStartHistoryId(BigInteger.valueOf(historyId))
                                .setHistoryTypes(List.of("messageAdded"))
                                .setLabelId("INBOX")
                                .setPageToken(pageToken)
                                .execute());
                for (History h : nonNull(response.getHistory())) {
                    for (HistoryMessageAdded a : nonNull(h.getMessagesAdded())) {
                        added.add(a.getMessage().getId());
                    }
                }
                if (response.getHistoryId() != null) {
                    latest = response.getHistoryId();
                }
                page = response.getNextPageToken();
            } while (page != null);
        } catch (GmailCalls.Failed e) {
            if (e.kind() == GmailCalls.Kind.NOT_FOUND) {
                return full(userId); // Gmail forgot that far back: read the window again, bounded
            }
            throw e;
        }
        int published = publish(userId, new ArrayList<>(new LinkedHashSet<>(added)));
        return new Outcome(latest.longValueExact(), published, false);
    }

    /** The inbox's recent window, at most {@code maxMessages}; history then stands where it stood before reading. */
    private Outcome full(String userId) throws GmailCalls.Failed {
        BigInteger start = calls.call(
                        userId,
                        Cost.PROFILE,
                        gmail -> gmail.users().getProfile("me").execute())
                .getHistoryId();
        int max = settings.sync().maxMessages();
        String query =
                "in:inbox newer_than:" + Math.max(1, settings.sync().window().toDays()) + "d";
        List<String> ids = new ArrayList<>();
        String page = null;
        do {
            String pageToken = page;
            int wanted = Math.min(100, max - ids.size());
            ListMessagesResponse response = calls.call(
                    userId,
                    Cost.LIST,
                    gmail -> gmail.users()
                            .messages()
                            .list("me")
                            .setQ(query)
                            .setMaxResults((long) wanted)
                            .setPageToken(pageToken)
                            .execute());
            nonNull(response.getMessages()).forEach(m -> ids.add(m.getId()));
            page = response.getNextPageToken();
        } while (page != null && ids.size() < max);
        int published = publish(userId, ids);
        return new Outcome(start.longValueExact(), published, true);
    }

    /** Reads each message's metadata and publishes it, oldest first; a message gone meanwhile is skipped. */
    private int publish(String userId, List<String> ids) throws GmailCalls.Failed {
        List<Message> messages = new ArrayList<>();
        for (String id : ids) {
            try {
                messages.add(calls.call(
                        userId,
                        Cost.GET,
                        gmail -> gmail.users()
                                .messages()
                                .get("me", id)
                                .setFormat("metadata")
                                .setMetadataHeaders(METADATA_HEADERS)
                                .execute()));
            } catch (GmailCalls.Failed e) {
                if (e.kind() != GmailCalls.Kind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        messages.sort(Comparator.comparing(m -> m.getInternalDate() == null ? 0L : m.getInternalDate()));
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (Message m : messages) {
            sends.add(kafka.send(Topics.EMAIL_EVENTS.record(userId, received(userId, m))));
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the mailbox's new mail", e);
        } catch (Exception e) {
            throw new IllegalStateException("the mailbox's new mail was not all published", e);
        }
        return messages.size();
    }

    EmailReceived received(String userId, Message m) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (m.getPayload() != null) {
            for (MessagePartHeader h : nonNull(m.getPayload().getHeaders())) {
                headers.putIfAbsent(h.getName().toLowerCase(Locale.ROOT), h.getValue());
            }
        }
        Map<String, String> automation = new LinkedHashMap<>();
        for (String name : AUTOMATION_HEADERS) {
            if (headers.containsKey(name)) {
                automation.put(name, headers.get(name));
            }
        }
        Instant receivedAt = m.getInternalDate() == null ? clock.instant() : Instant.ofEpochMilli(m.getInternalDate());
        return EmailReceived.newBuilder()
                .setEventId(DerivedIds.of("email-received", userId + "/" + m.getId()))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(userId)
                .setGmailMessageId(m.getId())
                .setThreadId(m.getThreadId())
                .setFrom(headers.getOrDefault("from", ""))
                .setTo(recipients(headers.get("to")))
                .setSubject(headers.getOrDefault("subject", ""))
                .setSnippet(m.getSnippet() == null ? "" : m.getSnippet())
                .setReceivedAt(receivedAt.truncatedTo(ChronoUnit.MILLIS))
                .setLabelIds(new ArrayList<>(nonNull(m.getLabelIds())))
                .setRfc822MessageId(headers.get("message-id"))
                .setReplyTo(headers.get("reply-to"))
                .setAutomationHeaders(automation)
                .build();
    }

    /** The To header's addresses; one Jakarta Mail cannot parse is kept as written. */
    static List<String> recipients(String to) {
        if (to == null || to.isBlank()) {
            return List.of();
        }
        try {
            return Arrays.stream(InternetAddress.parseHeader(to, false))
                    .map(InternetAddress::toUnicodeString)
                    .toList();
        } catch (AddressException e) {
            return List.of(to);
        }
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
