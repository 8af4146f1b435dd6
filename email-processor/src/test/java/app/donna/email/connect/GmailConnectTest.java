package app.donna.email.connect;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.email.EmailProcessorApplication;
import app.donna.events.email.EmailFailed;
import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailConnected;
import app.donna.events.email.GmailDisconnectRequested;
import app.donna.events.email.GmailDisconnected;
import app.donna.localinfra.StandInGoogle;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * email-processor finishes connecting a mailbox, on the real broker and PostgreSQL, with the real Google
 * client libraries against a stand-in Google: the sealed code and verifier opened and exchanged (PKCE),
 * the refresh token kept sealed for its user, {@code GmailConnected}; a job read again spends no second
 * code; a spent code, a code sealed for someone else and Google being down each end in {@code EmailFailed}
 * with a reason; disconnecting revokes the grant at Google and forgets it; and no code, verifier or token
 * in clear in a log line or on a topic.
 */
@ExtendWith({InfraExtension.class, OutputCaptureExtension.class})
class GmailConnectTest {

    static final String KEYS = "k1:" + SealedSecrets.newKey();
    static final SealedSecrets SECRETS = SealedSecrets.fromConfig(KEYS);
    static final EventCodec CODEC = EventCodec.bundled();
    static final String REDIRECT = "http://127.0.0.1:8080/api/gmail/oauth/callback";
    static final String SCOPES =
            "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.compose";

    @Test
    void aSealedCodeConnectsTheMailboxOnceAndEveryFailureSaysWhy(
            InfraExtension.KafkaBootstrap kafka, SharedInfra.Database database, CapturedOutput output)
            throws Exception {
        String run = UUID.randomUUID().toString();
        String user = "owner-" + run;
        try (StandInGoogle google = new StandInGoogle("client-1", "gsecret-1", "owner@salon.example");
                ConfigurableApplicationContext app = EmailProcessorApplication.application()
                        .run(
                                "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                                "--server.port=0",
                                "--spring.flyway.enabled=true", // no projector here: the schema is migrated
                                "--donna.gmail.client-id=client-1",
                                "--donna.gmail.client-secret=gsecret-1",
                                "--donna.gmail.token-endpoint=" + google.tokenEndpoint(),
                                "--donna.gmail.revoke-endpoint=" + google.revokeEndpoint(),
                                "--donna.gmail.gmail-root-url=" + google.gmailRootUrl(),
                                "--donna.gmail.secret-keys=" + KEYS,
                                "--donna.gmail.group-id=connect-" + run)) {
            String verifier = "verifier-" + run + "-0123456789";
            String code = consent(google, verifier);
            GmailConnectRequested job = job(user, code, verifier);
            send(kafka, job);

            GmailConnected connected = (GmailConnected) outcome(kafka, user, GmailConnected.class::isInstance);
            assertThat(connected.getEmailAddress()).isEqualTo("owner@salon.example");
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
            assertThat(google.tokenRequests()).hasSize(1);

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

    /** The browser's part: Google's consent with a PKCE challenge, and the code it comes back with. */
    static String consent(StandInGoogle google, String verifier) throws Exception {
        String challenge = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        URI back = google.approve(URI.create(google.authorizationEndpoint() + "?response_type=code&client_id=client-1"
                + "&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(SCOPES, StandardCharsets.UTF_8)
                + "&state=s&code_challenge=" + challenge + "&code_challenge_method=S256&access_type=offline"));
        Map<String, String> query = Arrays.stream(back.getRawQuery().split("&"))
                .map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
        return query.get("code");
    }

    /** What ingress-api publishes once the callback checks out: the code and verifier sealed for the user. */
    static GmailConnectRequested job(String user, String code, String verifier) {
        return GmailConnectRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(user)
                .setJobId(UUID.randomUUID())
                .setAuthorizationCode(SECRETS.seal(code, SealedContexts.gmailOAuthCode(user)))
                .setRedirectUri(REDIRECT)
                .setCodeVerifier(SECRETS.seal(verifier, SealedContexts.gmailOAuthVerifier(user)))
                .build();
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

    static void send(InfraExtension.KafkaBootstrap kafka, GmailConnectRequested job) throws Exception {
        sendJob(kafka, job.getUserId(), job);
    }

    static void sendJob(InfraExtension.KafkaBootstrap kafka, String user, SpecificRecordBase job) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EMAIL_JOBS.name(), user, CODEC.encode(job)))
                    .get();
        }
    }

    static int connectionCount(SharedInfra.Database database, String user) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q = c.prepareStatement("SELECT count(*) FROM gmail_connections WHERE user_id = ?")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    static SpecificRecordBase outcome(
            InfraExtension.KafkaBootstrap kafka, String user, Predicate<SpecificRecordBase> which) {
        return outcomes(kafka, user, which, 1).getFirst();
    }

    static List<SpecificRecordBase> outcomes(
            InfraExtension.KafkaBootstrap kafka, String user, Predicate<SpecificRecordBase> which, int count) {
        return TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.EMAIL_EVENTS.name(),
                        r -> {
                            SpecificRecordBase event = CODEC.decode(r.value());
                            return user.equals(String.valueOf(event.get("userId"))) && which.test(event);
                        },
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(r -> CODEC.decode(r.value()))
                .toList();
    }

    static EmailFailed failure(InfraExtension.KafkaBootstrap kafka, GmailConnectRequested job) {
        return (EmailFailed) outcome(
                kafka,
                job.getUserId(),
                e -> e instanceof EmailFailed f && f.getJobId().equals(job.getJobId()));
    }

    static String refreshTokenSealed(SharedInfra.Database database, String user) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q =
                        c.prepareStatement("SELECT refresh_token_sealed FROM gmail_connections WHERE user_id = ?")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                assertThat(r.next()).as("a connection for " + user).isTrue();
                return r.getString(1);
            }
        }
    }
}
