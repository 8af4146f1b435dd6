package app.donna.email;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.email.GmailConnectRequested;
import app.donna.events.email.GmailConnected;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What email-processor's tests share: the browser's part of Google's consent, the jobs ingress-api would
 * publish, running the service against a stand-in Google, and reading what it published.
 */
public final class EmailTestKit {

    public static final String KEYS = "k1:" + SealedSecrets.newKey();
    public static final SealedSecrets SECRETS = SealedSecrets.fromConfig(KEYS);
    public static final EventCodec CODEC = EventCodec.bundled();
    public static final String REDIRECT = "http://127.0.0.1:8080/api/gmail/oauth/callback";
    public static final String SCOPES =
            "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.compose";

    private EmailTestKit() {}

    /** email-processor's arguments for the shared broker and a stand-in Google; {@code run} keeps its groups apart. */
    public static List<String> args(InfraExtension.KafkaBootstrap kafka, StandInGoogle google, String run) {
        return new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                "--server.port=0",
                "--spring.flyway.enabled=true", // no projector here: the schema is migrated
                "--donna.gmail.client-id=client-1",
                "--donna.gmail.client-secret=gsecret-1",
                "--donna.gmail.token-endpoint=" + google.tokenEndpoint(),
                "--donna.gmail.revoke-endpoint=" + google.revokeEndpoint(),
                "--donna.gmail.gmail-root-url=" + google.gmailRootUrl(),
                "--donna.gmail.secret-keys=" + KEYS,
                "--donna.gmail.group-id=connect-" + run,
                "--donna.gmail.sync-group-id=sync-" + run));
    }

    /** Connects {@code mailbox} of the stand-in for {@code user}, as the callback would, and waits until it is. */
    public static GmailConnected connect(
            InfraExtension.KafkaBootstrap kafka, StandInGoogle google, String user, String mailbox) throws Exception {
        String verifier = "verifier-" + UUID.randomUUID();
        GmailConnectRequested job = job(user, consent(google, verifier, mailbox), verifier);
        send(kafka, job);
        return (GmailConnected) outcome(
                kafka,
                user,
                e -> e instanceof GmailConnected c
                        && c.getEventId().equals(app.donna.schemas.DerivedIds.of("gmail-connected", job.getJobId())));
    }

    /** The browser's part: Google's consent with a PKCE challenge, and the code it comes back with. */
    public static String consent(StandInGoogle google, String verifier) throws Exception {
        return consent(google, verifier, null);
    }

    /** As above, for the mailbox {@code loginHint} names (null: the stand-in's first). */
    public static String consent(StandInGoogle google, String verifier, String loginHint) throws Exception {
        String challenge = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        URI back = google.approve(URI.create(google.authorizationEndpoint() + "?response_type=code&client_id=client-1"
                + "&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(SCOPES, StandardCharsets.UTF_8)
                + "&state=s&code_challenge=" + challenge + "&code_challenge_method=S256&access_type=offline"
                + (loginHint == null ? "" : "&login_hint=" + URLEncoder.encode(loginHint, StandardCharsets.UTF_8))));
        Map<String, String> query = Arrays.stream(back.getRawQuery().split("&"))
                .map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
        return query.get("code");
    }

    /** What ingress-api publishes once the callback checks out: the code and verifier sealed for the user. */
    public static GmailConnectRequested job(String user, String code, String verifier) {
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

    public static void send(InfraExtension.KafkaBootstrap kafka, GmailConnectRequested job) throws Exception {
        sendJob(kafka, job.getUserId(), job);
    }

    public static void sendJob(InfraExtension.KafkaBootstrap kafka, String user, SpecificRecordBase job)
            throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EMAIL_JOBS.name(), user, CODEC.encode(job)))
                    .get();
        }
    }

    public static int connectionCount(SharedInfra.Database database, String user) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q = c.prepareStatement("SELECT count(*) FROM gmail_connections WHERE user_id = ?")) {
            q.setString(1, user);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    public static SpecificRecordBase outcome(
            InfraExtension.KafkaBootstrap kafka, String user, Predicate<SpecificRecordBase> which) {
        return outcomes(kafka, user, which, 1).getFirst();
    }

    public static List<SpecificRecordBase> outcomes(
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

    public static String refreshTokenSealed(SharedInfra.Database database, String user) throws Exception {
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
