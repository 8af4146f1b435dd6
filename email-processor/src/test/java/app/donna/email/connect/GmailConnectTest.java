package app.donna.email.connect;

import static app.donna.email.EmailTestKit.*;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.email.EmailProcessorApplication;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnectRequested;
import app.donna.events.email.GmailDisconnected;
import app.donna.localinfra.StandInGoogle;
import app.donna.platform.crypto.SealedContexts;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * email-processor finishes connecting a mailbox, on the real broker and PostgreSQL, with the real Google
 * client libraries against a stand-in Google: the sealed code and verifier opened and exchanged (PKCE),
 * the refresh token kept sealed for its user, {@code GmailConnected}; a job read again spends no second
 * code; a spent code, a code sealed for someone else and Google being down each end in {@code EmailFailed}
 * with a reason; disconnecting revokes the grant at Google and forgets it; and no code, verifier or token
 * in clear in a log line or on a topic.
 */
@ExtendWith({InfraExtension.class, OutputCaptureExtension.class})
class GmailConnectTest {

    @Test
    void aSealedCodeConnectsTheMailboxOnceAndEveryFailureSaysWhy(
            InfraExtension.KafkaBootstrap kafka, SharedInfra.Database database, CapturedOutput output)
            throws Exception {
        String run = UUID.randomUUID().toString();
        String user = "owner-" + run;
        try (StandInGoogle google = new StandInGoogle("client-1", "gsecret-1", "owner@salon.example");
                ConfigurableApplicationContext app = EmailProcessorApplication.application()
                        .run(args(kafka, google, run).toArray(String[]::new))) {
            String verifier = "verifier-" + run + "-0123456789";
            String code = consent(google, verifier);
            GmailConnectRequested job = GmailConnectRequested.newBuilder(job(user, code, verifier))
                    .setWorkspaceId("ws-" + run)
                    .build();
            send(kafka, job);

            GmailConnected connected = (GmailConnected) outcome(kafka, user, GmailConnected.class::isInstance);
            assertThat(connected.getEmailAddress()).isEqualTo("owner@salon.example");
            assertThat(connected.getWorkspaceId())
                    .as("the mailbox is the workspace's its member connected it for")
                    .isEqualTo("ws-" + run);
            assertThat(connected.getScopes()).containsExactly(SCOPES.split(" "));
            assertThat(google.tokenRequests().getFirst())
                    .containsEntry("grant_type", "authorization_code")
                    .containsEntry("code_verifier", verifier)
                    .containsEntry("redirect_uri", REDIRECT);
            String sealed = refreshTokenSealed(database, user);
            assertThat(sealed).startsWith("v1.k1.");
            String refreshToken = SECRETS.open(sealed, SealedContexts.gmailRefreshToken(user));
            assertThat(google.holds(refreshToken)).as("the token Google issued").isTrue();

            // the same job read again (a restart before its offset was committed): no second exchange
            send(kafka, job);
            List<SpecificRecordBase> twice = outcomes(kafka, user, GmailConnected.class::isInstance, 2);
            assertThat(twice).extracting(e -> e.get("eventId")).containsOnly(connected.getEventId());
            assertThat(google.tokenRequests())
                    .filteredOn(r -> "authorization_code".equals(r.get("grant_type")))
                    .as("one code exchanged; the sync's refreshes aside")
                    .hasSize(1);

            // the code again, in a new job: Google refuses it, and the user is told to start again
            GmailConnectRequested spent = job(user, code, verifier);
            send(kafka, spent);
            EmailFailed refused = failure(kafka, spent);
            assertThat(refused.getReason()).contains("invalid_grant").contains("Connect Gmail again");
            assertThat(refused.getRetryable()).isFalse();

            // a code sealed for this user, in someone else's job: it does not open
            String mallory = "mallory-" + run;
            GmailConnectRequested stolen = GmailConnectRequested.newBuilder(job(mallory, "x", verifier))
                    .setAuthorizationCode(job.getAuthorizationCode())
                    .build();
            send(kafka, stolen);
            assertThat(failure(kafka, stolen).getReason()).contains("could not be read");

            // Google down: a failure the user may retry
            google.failTokenRequests(new StandInGoogle.Failure(503, "{\"error\":\"backend_error\"}"));
            GmailConnectRequested unlucky = job(user, consent(google, verifier), verifier);
            send(kafka, unlucky);
            EmailFailed down = failure(kafka, unlucky);
            assertThat(down.getRetryable()).isTrue();
            assertThat(down.getReason()).contains("503");

            // disconnecting: Google's grant revoked, the stored token gone; again: nothing was connected
            GmailDisconnected gone = disconnected(kafka, user);
            assertThat(gone.getRevoked()).isTrue();
            assertThat(gone.getEmailAddress()).isEqualTo("owner@salon.example");
            assertThat(google.holds(refreshToken)).as("revoked at Google").isFalse();
            assertThat(connectionCount(database, user)).isZero();
            GmailDisconnected nothing = disconnected(kafka, user);
            assertThat(nothing.getRevoked()).isFalse();
            assertThat(nothing.getNote()).contains("No Gmail mailbox was connected");

            // nothing secret in clear: the log, and every record of this run on both topics
            assertThat(output.getAll())
                    .doesNotContain(code)
                    .doesNotContain(verifier)
                    .doesNotContain(refreshToken)
                    .doesNotContain("gsecret-1");
            for (String topic : List.of(Topics.EMAIL_JOBS.name(), Topics.EMAIL_EVENTS.name())) {
                for (ConsumerRecord<byte[], byte[]> r : TopicReader.readUntilFound(
                        kafka.servers(),
                        topic,
                        r -> new String(r.value(), StandardCharsets.ISO_8859_1).contains(run),
                        Duration.ofSeconds(30))) {
                    assertThat(new String(r.value(), StandardCharsets.ISO_8859_1))
                            .doesNotContain(code)
                            .doesNotContain(verifier)
                            .doesNotContain(refreshToken);
                }
            }
        }
    }

    /** Asks for {@code user}'s mailbox to be disconnected, and waits for the answer. */
    static GmailDisconnected disconnected(InfraExtension.KafkaBootstrap kafka, String user) throws Exception {
        UUID jobId = UUID.randomUUID();
        sendJob(
                kafka,
                user,
                GmailDisconnectRequested.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(user)
                        .setJobId(jobId)
                        .build());
        return (GmailDisconnected) outcome(
                kafka,
                user,
                e -> e instanceof GmailDisconnected d && d.getJobId().equals(jobId));
    }

    static EmailFailed failure(InfraExtension.KafkaBootstrap kafka, GmailConnectRequested job) {
        return (EmailFailed) outcome(
                kafka,
                job.getUserId(),
                e -> e instanceof EmailFailed f && f.getJobId().equals(job.getJobId()));
    }
}
