package app.donna.email;

import static app.donna.email.EmailTestKit.args;
import static app.donna.email.EmailTestKit.connect;
import static app.donna.email.EmailTestKit.outcomes;
import static app.donna.email.EmailTestKit.sendJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.events.common.SendOrigin;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.SendEmailRequested;
import app.donna.localinfra.StandInGoogle;
import app.donna.localinfra.StandInMailbox;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The broker stopped while email-processor works, inside the test: mail that arrives meanwhile is synced
 * and published once the broker is back (history does not move past what was not published), a mail sent
 * through Gmail just before is reported sent and not sent again, health says DOWN meanwhile, and every
 * partition works again after, without a restart.
 */
@ExtendWith(InfraExtension.class)
class EmailOutageTest {

    @Test
    void nothingIsLostOrSentTwiceWhileTheBrokerIsAway(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String run = UUID.randomUUID().toString();
        String user = "o-" + run;
        try (StandInGoogle google = new StandInGoogle("client-1", "gsecret-1", "o-" + run + "@salon.example")) {
            StandInMailbox box = google.mailbox("o-" + run + "@salon.example");
            List<String> appArgs = args(kafka, google, run);
            appArgs.addAll(List.of(
                    "--donna.gmail.sync.interval=1s",
                    "--donna.gmail.sync.jitter=0s",
                    "--donna.gmail.sync.tick=200ms",
                    "--donna.gmail.send.tick=200ms",
                    "--donna.gmail.send.backoff=1s",
                    "--donna.gmail.sync.max-backoff=5s",
                    "--donna.gmail.send.group-id=send-" + run,
                    "--donna.gmail.autopilot.group-id=autopilot-" + run,
                    "--spring.kafka.producer.properties.delivery.timeout.ms=4000",
                    "--spring.kafka.producer.properties.request.timeout.ms=2000",
                    "--spring.kafka.producer.properties.max.block.ms=2000"));
            try (ConfigurableApplicationContext app =
                    EmailProcessorApplication.application().run(appArgs.toArray(String[]::new))) {
                String health = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port")
                        + "/actuator/health";
                connect(kafka, google, user, box.address());
                String before = box.deliver("Ana <ana@example.com>", "Before", "Hello");
                received(kafka, user, before);

                // a send whose answer from Gmail comes just as the broker goes away
                box.answerSendsAfter(Duration.ofMillis(1500));
                SendEmailRequested send = SendEmailRequested.newBuilder()
                        .setEventId(UUID.randomUUID())
                        .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .setUserId(user)
                        .setJobId(UUID.randomUUID())
                        .setTo(List.of("ana@example.com"))
                        .setSubject("Re: Before")
                        .setBodyText("Hi Ana")
                        .setOrigin(SendOrigin.USER)
                        .build();
                sendJob(kafka, user, send);
                await().atMost(Duration.ofSeconds(20)).until(() -> !box.sent().isEmpty());

                String during;
                try (SharedInfra.Outage outage = SharedInfra.stopKafka()) {
                    during = box.deliver("Bo <bo@example.com>", "During", "Are you there?");
                    await().atMost(Duration.ofSeconds(30)).until(() -> status(health) == 503);
                    Thread.sleep(8_000); // syncs and the send's outcome fail meanwhile, more than once
                }

                received(kafka, user, during);
                EmailSent sent = (EmailSent) outcomes(
                                kafka,
                                user,
                                e -> e instanceof EmailSent s && s.getJobId().equals(send.getJobId()),
                                1)
                        .getFirst();
                assertThat(sent.getSentGmailMessageId())
                        .isEqualTo(box.sent().getFirst().id());
                assertThat(box.sent()).as("sent once, through the outage").hasSize(1);

                // every partition works again without a restart, and health says so
                String after = box.deliver("Cy <cy@example.com>", "After", "Hi again");
                received(kafka, user, after);
                await().atMost(Duration.ofSeconds(30)).until(() -> status(health) == 200);
                assertThat(outcomes(kafka, user, EmailReceived.class::isInstance, 3))
                        .extracting(e -> ((EmailReceived) e).getGmailMessageId())
                        .contains(before, during, after);
            }
        }
    }

    static EmailReceived received(InfraExtension.KafkaBootstrap kafka, String user, String messageId) {
        return (EmailReceived) outcomes(
                        kafka,
                        user,
                        e -> e instanceof EmailReceived r
                                && r.getGmailMessageId().equals(messageId),
                        1)
                .getFirst();
    }

    static int status(String url) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }
}
