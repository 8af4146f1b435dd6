package app.donna.email.sync;

import static app.donna.email.EmailTestKit.args;
import static app.donna.email.EmailTestKit.connect;
import static app.donna.email.EmailTestKit.outcomes;
import static app.donna.email.EmailTestKit.sendJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.email.EmailProcessorApplication;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.MailboxSyncRequested;
import app.donna.localinfra.StandInGoogle;
import app.donna.localinfra.StandInMailbox;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Mailboxes kept in sync, on the real broker and PostgreSQL, with the real Gmail client against a stand-in
 * Gmail: the first sync reads the recent window; "sync now" reads the history since, once, by two
 * instances at once; a history Gmail forgot falls back to a full sync with the same event ids; a mailbox
 * Gmail throttles ({@code 429}, {@code Retry-After}) or that hangs past the timeout holds up no other, and
 * is left alone until Gmail's time; a record nobody expected on the jobs topic stops nothing; no token in a
 * log line.
 */
@ExtendWith({InfraExtension.class, OutputCaptureExtension.class})
class MailboxSyncTest {

    @Test
    void everyMailboxIsKeptInSyncAndATroubledOneHoldsUpNoOther(
            InfraExtension.KafkaBootstrap kafka, SharedInfra.Database database, CapturedOutput output)
            throws Exception {
        String run = UUID.randomUUID().toString();
        String userA = "a-" + run;
        String userB = "b-" + run;
        try (StandInGoogle google = new StandInGoogle("client-1", "gsecret-1", "a-" + run + "@salon.example")) {
            StandInMailbox boxA = google.mailbox("a-" + run + "@salon.example");
            StandInMailbox boxB = google.mailbox("b-" + run + "@salon.example");
            String question = boxA.deliver("Ana Ruiz <ana@example.com>", "Saturday?", "Are you open on Saturday?");
            String newsletter = boxA.deliver(
                    "News <news@supplies.example>",
                    "Offers",
                    "Twenty percent off.",
                    "List-Id",
                    "<weekly.supplies.example>",
                    "Precedence",
                    "bulk");
            String booking = boxB.deliver("Tom <tom@example.com>", "Booking", "Tuesday after four?");
            List<String> appArgs = args(kafka, google, run);
            appArgs.addAll(List.of(
                    "--donna.gmail.sync.interval=1h", // after the first sync, only "sync now" or a backoff's end
                    "--donna.gmail.sync.tick=200ms",
                    "--donna.gmail.sync.jitter=0s",
                    "--donna.gmail.timeout=1s"));
            try (ConfigurableApplicationContext first =
                            EmailProcessorApplication.application().run(appArgs.toArray(String[]::new));
                    ConfigurableApplicationContext second =
                            EmailProcessorApplication.application().run(appArgs.toArray(String[]::new))) {
                connect(kafka, google, userA, boxA.address());
                connect(kafka, google, userB, boxB.address());

                // the first sync: the recent window, with the headers that tell list mail apart
                Map<String, EmailReceived> ofA = byMessage(received(kafka, userA, 2));
                assertThat(ofA).containsOnlyKeys(question, newsletter);
                EmailReceived news = ofA.get(newsletter);
                assertThat(news.getAutomationHeaders())
                        .containsEntry("list-id", "<weekly.supplies.example>")
                        .containsEntry("precedence", "bulk");
                EmailReceived ana = ofA.get(question);
                assertThat(ana.getFrom()).isEqualTo("Ana Ruiz <ana@example.com>");
                assertThat(ana.getTo()).containsExactly(boxA.address());
                assertThat(ana.getSubject()).isEqualTo("Saturday?");
                assertThat(ana.getSnippet()).isEqualTo("Are you open on Saturday?");
                assertThat(ana.getRfc822MessageId()).startsWith("<").endsWith(">");
                assertThat(ana.getLabelIds()).contains("INBOX", "UNREAD");
                assertThat(ana.getAutomationHeaders()).isEmpty();
                assertThat(byMessage(received(kafka, userB, 1))).containsOnlyKeys(booking);

                // a record nobody expected on the jobs topic, then "sync now": the history since, read once
                // although two instances look for due mailboxes
                garbage(kafka, userA);
                String followUp = boxA.deliverInThread(
                        ana.getThreadId(), "Ana Ruiz <ana@example.com>", "Re: Saturday?", "Or Sunday?");
                Instant before = lastSynced(database, userA);
                syncNow(kafka, userA);
                List<EmailReceived> now = received(kafka, userA, 3);
                assertThat(byMessage(now)).containsOnlyKeys(question, newsletter, followUp);
                assertThat(byMessage(now).get(followUp).getThreadId()).isEqualTo(ana.getThreadId());
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> lastSynced(database, userA).isAfter(before));
                Instant after = lastSynced(database, userA);
                syncNow(kafka, userA);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> lastSynced(database, userA).isAfter(after));
                assertThat(received(kafka, userA, 3)).as("nothing read twice").hasSize(3);

                // Gmail forgot the history: a full sync of the window, its old mail with the same event ids
                boxA.expireHistory();
                String late = boxA.deliver("Lia <lia@example.com>", "Colour", "Do you do balayage?");
                syncNow(kafka, userA);
                List<EmailReceived> again = received(kafka, userA, 7); // 3 read again, 1 new
                assertThat(byMessage(again)).containsOnlyKeys(question, newsletter, followUp, late);
                assertThat(again.stream().map(EmailReceived::getEventId).distinct())
                        .as("one event id per message, however often it is read")
                        .hasSize(4);

                // Gmail throttles A: A waits out its Retry-After without calling Gmail, B goes on
                boxA.failNext(StandInGoogle.Failure.rateLimited(4));
                String forA = boxA.deliver("Ana Ruiz <ana@example.com>", "One more", "Thanks!");
                String forB = boxB.deliver("Tom <tom@example.com>", "Also", "And a trim.");
                Instant throttledAt = Instant.now();
                syncNow(kafka, userA);
                syncNow(kafka, userB);
                assertThat(byMessage(received(kafka, userB, 2))).containsKey(forB);
                await().atMost(Duration.ofSeconds(10)).until(() -> lastError(database, userA) != null);
                assertThat(lastError(database, userA)).contains("slow down");
                int requestsWhilePaused = boxA.requests();
                syncNow(kafka, userA); // asking again does not override Gmail's Retry-After
                Thread.sleep(1500);
                if (Duration.between(throttledAt, Instant.now()).toSeconds() < 3) {
                    assertThat(boxA.requests()).as("no call while paused").isEqualTo(requestsWhilePaused);
                }
                assertThat(byMessage(received(kafka, userA, 8))).containsKey(forA);
                assertThat(Duration.between(throttledAt, Instant.now()))
                        .as("A's mail waited for Retry-After")
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));

                // A's Gmail hangs past the timeout: B is not held up, A's row says what went wrong
                boxA.delayEachRequest(Duration.ofSeconds(3));
                boxA.deliver("Ana Ruiz <ana@example.com>", "Hanging", "...");
                String forB2 = boxB.deliver("Tom <tom@example.com>", "Later", "See you.");
                syncNow(kafka, userA);
                syncNow(kafka, userB);
                assertThat(byMessage(received(kafka, userB, 3))).containsKey(forB2);
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> String.valueOf(lastError(database, userA)).contains("could not be reached"));
                boxA.delayEachRequest(Duration.ZERO);
            }
            assertThat(output.getAll()).doesNotContain("ya29.a0").doesNotContain("1//0");
        }
    }

    static List<EmailReceived> received(InfraExtension.KafkaBootstrap kafka, String user, int count) {
        return outcomes(kafka, user, EmailReceived.class::isInstance, count).stream()
                .map(EmailReceived.class::cast)
                .toList();
    }

    static Map<String, EmailReceived> byMessage(List<EmailReceived> events) {
        return events.stream().collect(Collectors.toMap(EmailReceived::getGmailMessageId, e -> e, (a, b) -> a));
    }

    static void syncNow(InfraExtension.KafkaBootstrap kafka, String user) throws Exception {
        sendJob(
                kafka,
                user,
                MailboxSyncRequested.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(user)
                        .setJobId(UUID.randomUUID())
                        .build());
    }

    /** Bytes no schema reads, on the jobs topic. */
    static void garbage(InfraExtension.KafkaBootstrap kafka, String user) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EMAIL_JOBS.name(), user, new byte[] {0, 1, 2, 3, 4}))
                    .get();
        }
    }

    static Instant lastSynced(SharedInfra.Database database, String user) throws Exception {
        Object at = column(database, user, "last_synced_at");
        return at == null ? Instant.EPOCH : ((java.time.OffsetDateTime) at).toInstant();
    }

    static String lastError(SharedInfra.Database database, String user) throws Exception {
        return (String) column(database, user, "last_sync_error");
    }

    private static Object column(SharedInfra.Database database, String user, String column) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q =
                        c.prepareStatement("SELECT " + column + " FROM gmail_connections WHERE user_id = ?")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                return r.next()
                        ? (column.endsWith("_at") ? r.getObject(1, java.time.OffsetDateTime.class) : r.getObject(1))
                        : null;
            }
        }
    }
}
