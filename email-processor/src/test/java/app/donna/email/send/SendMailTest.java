package app.donna.email.send;

import static app.donna.email.EmailTestKit.args;
import static app.donna.email.EmailTestKit.connect;
import static app.donna.email.EmailTestKit.outcome;
import static app.donna.email.EmailTestKit.outcomes;
import static app.donna.email.EmailTestKit.sendJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.email.EmailProcessorApplication;
import app.donna.events.common.SendOrigin;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.EmailSent;
import app.donna.events.email.SendEmailRequested;
import app.donna.localinfra.StandInGoogle;
import app.donna.localinfra.StandInMailbox;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Sending through the real Gmail client against a stand-in Gmail, on the real broker and PostgreSQL: a
 * threaded reply with a non-ASCII subject and body, base64url without padding; header injection refused
 * before Gmail is asked; a job read twice sent once; a mailbox answering {@code 429} waits its
 * {@code Retry-After} while another mailbox's mail goes at once; {@code 5xx} until the last attempt ends in
 * a clear failure; Gmail's answer lost, and the service stopped between Gmail's send and its own record of
 * it, each without a second send.
 */
@ExtendWith(InfraExtension.class)
class SendMailTest {

    @Test
    void mailGoesOutOnceWhateverHappensOnTheWay(InfraExtension.KafkaBootstrap kafka, SharedInfra.Database database)
            throws Exception {
        String run = UUID.randomUUID().toString();
        String userA = "sa-" + run;
        String userB = "sb-" + run;
        try (StandInGoogle google = new StandInGoogle("client-1", "gsecret-1", "sa-" + run + "@salon.example")) {
            StandInMailbox boxA = google.mailbox("sa-" + run + "@salon.example");
            StandInMailbox boxB = google.mailbox("sb-" + run + "@salon.example");
            List<String> appArgs = args(kafka, google, run);
            appArgs.addAll(List.of(
                    "--donna.gmail.sync.enabled=false",
                    "--donna.gmail.send.tick=200ms",
                    "--donna.gmail.send.backoff=500ms",
                    "--donna.gmail.send.max-attempts=3",
                    "--donna.gmail.send.lease=4s",
                    "--donna.gmail.send.group-id=send-" + run,
                    "--donna.gmail.timeout=2s"));
            SendEmailRequested interrupted = job(userA, "Interrupted", "five").build();
            ConfigurableApplicationContext app =
                    EmailProcessorApplication.application().run(appArgs.toArray(String[]::new));
            try {
                connect(kafka, google, userA, boxA.address());
                connect(kafka, google, userB, boxB.address());

                // a threaded reply, non-ASCII, as Gmail receives it
                String question = boxA.deliver("Zoë Ånström <zoe@example.com>", "Réservation", "Vendredi ?");
                StandInMailbox.Message original = boxA.messages().getFirst();
                SendEmailRequested reply = job(userA, "Re: Réservation ✓ Café", "Bonjour Zoë,\nVendredi à 14 h. ☕\n")
                        .setTo(List.of("Zoë Ånström <zoe@example.com>"))
                        .setInReplyToGmailMessageId(question)
                        .build();
                sendJob(kafka, userA, reply);
                EmailSent sent = sent(kafka, reply);
                assertThat(sent.getThreadId()).isEqualTo(original.threadId());
                StandInMailbox.Message out = boxA.sent().getFirst();
                assertThat(out.raw()).doesNotContain("=").doesNotContain("+").doesNotContain("/");
                MimeMessage mime = new MimeMessage(
                        Session.getInstance(new Properties()),
                        new ByteArrayInputStream(Base64.getUrlDecoder().decode(out.raw())));
                assertThat(mime.getSubject()).isEqualTo("Re: Réservation ✓ Café");
                assertThat(mime.getContent()).isEqualTo("Bonjour Zoë,\r\nVendredi à 14 h. ☕\r\n");
                assertThat(mime.getHeader("In-Reply-To")[0])
                        .isEqualTo(original.header("Message-ID").orElseThrow());
                assertThat(mime.getHeader("References")[0])
                        .contains(original.header("Message-ID").orElseThrow());
                assertThat(mime.getHeader("Message-ID")[0]).isEqualTo("<donna." + reply.getJobId() + "@salon.example>");
                assertThat(mime.getHeader("Auto-Submitted"))
                        .as("a person's send")
                        .isNull();

                // the same job read again: no second mail
                sendJob(kafka, userA, reply);
                Thread.sleep(1000);
                assertThat(boxA.sent()).hasSize(1);

                // header injection, in the subject and in a recipient: refused, nothing sent
                SendEmailRequested injected =
                        job(userA, "Hello\r\nBcc: everyone@evil.example", "hi").build();
                SendEmailRequested smuggled = job(userA, "Hello", "hi")
                        .setTo(List.of("zoe@example.com\r\nBcc: everyone@evil.example"))
                        .build();
                sendJob(kafka, userA, injected);
                sendJob(kafka, userA, smuggled);
                for (SendEmailRequested bad : List.of(injected, smuggled)) {
                    EmailFailed refused = failed(kafka, bad, false);
                    assertThat(refused.getReason()).contains("line break");
                }
                assertThat(boxA.sent()).hasSize(1);

                // A is throttled: A's mail waits for Retry-After, B's goes at once
                boxA.failNext(StandInGoogle.Failure.rateLimited(3));
                SendEmailRequested slow = job(userA, "Slow", "one").build();
                SendEmailRequested quick = job(userB, "Quick", "two").build();
                Instant asked = Instant.now();
                sendJob(kafka, userA, slow);
                sendJob(kafka, userB, quick);
                sent(kafka, quick);
                Duration quickTook = Duration.between(asked, Instant.now());
                EmailFailed attempt = failed(kafka, slow, true);
                assertThat(attempt.getReason()).contains("slow down").contains("trying again");
                sent(kafka, slow);
                assertThat(Duration.between(asked, Instant.now()))
                        .as("A waited for Gmail's Retry-After")
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(3))
                        .isGreaterThan(quickTook);

                // Gmail failing on every attempt: a clear failure after the last one
                boxA.failNext(
                        StandInGoogle.Failure.backendError(),
                        StandInGoogle.Failure.backendError(),
                        StandInGoogle.Failure.backendError());
                SendEmailRequested doomed = job(userA, "Doomed", "three").build();
                sendJob(kafka, userA, doomed);
                EmailFailed givenUp = failed(kafka, doomed, false);
                assertThat(givenUp.getReason()).contains("after 3 attempts").contains("503");

                // Gmail's answer lost (it sent, the call timed out): found by its Message-ID, not sent again
                boxA.answerSendsAfter(Duration.ofSeconds(4));
                SendEmailRequested lost = job(userA, "Lost answer", "four").build();
                sendJob(kafka, userA, lost);
                await().atMost(Duration.ofSeconds(20)).until(() -> sentWithId(boxA, lost) == 1);
                boxA.answerSendsAfter(Duration.ZERO);
                assertThat(sent(kafka, lost).getSentGmailMessageId()).isNotBlank();
                Thread.sleep(1000);
                assertThat(sentWithId(boxA, lost)).isEqualTo(1);

                // stopped between Gmail's send and the ledger's "sent": the next instance does not send again
                boxA.answerSendsAfter(Duration.ofSeconds(30));
                sendJob(kafka, userA, interrupted);
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> sentWithId(boxA, interrupted) == 1);
                assertThat(ledgerState(database, interrupted)).isEqualTo("sending");
                app.close();
                boxA.answerSendsAfter(Duration.ZERO);
            } finally {
                app.close();
            }
            try (ConfigurableApplicationContext again =
                    EmailProcessorApplication.application().run(appArgs.toArray(String[]::new))) {
                EmailSent found = sent(kafka, interrupted);
                assertThat(found.getSentGmailMessageId()).isNotBlank();
                assertThat(ledgerState(database, interrupted)).isEqualTo("sent");
                assertThat(sentWithId(boxA, interrupted)).as("sent once").isEqualTo(1);
            }
        }
    }

    static SendEmailRequested.Builder job(String user, String subject, String body) {
        return SendEmailRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(user)
                .setJobId(UUID.randomUUID())
                .setTo(List.of("customer@example.com"))
                .setSubject(subject)
                .setBodyText(body)
                .setOrigin(SendOrigin.USER);
    }

    static EmailSent sent(InfraExtension.KafkaBootstrap kafka, SendEmailRequested job) {
        return (EmailSent) outcome(
                kafka,
                job.getUserId(),
                e -> e instanceof EmailSent s && s.getJobId().equals(job.getJobId()));
    }

    static EmailFailed failed(InfraExtension.KafkaBootstrap kafka, SendEmailRequested job, boolean retryable) {
        List<SpecificRecordBase> found = outcomes(
                kafka,
                job.getUserId(),
                e -> e instanceof EmailFailed f && f.getJobId().equals(job.getJobId()) && f.getRetryable() == retryable,
                1);
        return (EmailFailed) found.getFirst();
    }

    static long sentWithId(StandInMailbox box, SendEmailRequested job) {
        return box.sent().stream()
                .filter(m -> m.header("Message-ID")
                        .orElse("")
                        .contains(job.getJobId().toString()))
                .count();
    }

    static String ledgerState(SharedInfra.Database database, SendEmailRequested job) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q = c.prepareStatement("SELECT state FROM email_send_ledger WHERE job_id = ?")) {
            q.setObject(1, job.getJobId());
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
