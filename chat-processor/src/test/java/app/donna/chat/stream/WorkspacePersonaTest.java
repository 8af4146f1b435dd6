package app.donna.chat.stream;

import static app.donna.chat.actions.ChatRequestsTest.replyTo;
import static app.donna.chat.actions.ChatRequestsTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.chat.ChatProcessorApplication;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.common.Decision;
import app.donna.events.common.Verdict;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Each workspace's receptionist speaks for its own business: chat-processor on the real broker reads the
 * personas owners set ({@code donna.workspace}), answers a workspace's visitors with its persona, others
 * with the configured one, and a persona changed while it runs from the next answer on. Offline answers
 * (no model) say the hours of the persona they speak for.
 */
@ExtendWith(InfraExtension.class)
class WorkspacePersonaTest {

    static final EventCodec CODEC = EventCodec.bundled();

    @Test
    void eachWorkspacesVisitorsHearItsOwnBusiness(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String run = UUID.randomUUID().toString();
        String ws = "ws-" + run;
        // set before the service starts (the topic made as a service would): read at start-up
        SharedInfra.ensureTopic(Topics.WORKSPACE.name(), 3, Map.of("cleanup.policy", "compact"));
        persona(kafka, ws, "Chez Po", "Tuesday to Saturday, 9 to 18 (" + run + ")");
        try (ConfigurableApplicationContext app = ChatProcessorApplication.application()
                .run(
                        "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                        "--server.port=0",
                        "--donna.chat.application-id=chat-personas-" + run,
                        "--donna.chat.state-dir=" + SharedInfra.scratchDir("chat-state"),
                        "--donna.chat.persona.business-name=Configured Salon",
                        "--donna.chat.persona.hours=always (configured)",
                        "--donna.actions.group-id=chat-personas-actions-" + run,
                        "--donna.actions.recap-group-id=chat-personas-recaps-" + run)) {
            ChatMessageScreened ours = screened(ws, "What are your opening hours?");
            send(kafka, ours);
            assertThat(replyTo(kafka, ours).getText())
                    .contains("Chez Po")
                    .contains("Tuesday to Saturday, 9 to 18 (" + run + ")");

            ChatMessageScreened elsewhere = screened(null, "What are your opening hours?");
            send(kafka, elsewhere);
            assertThat(replyTo(kafka, elsewhere).getText())
                    .as("a chat of no workspace: the default workspace, which has set no persona")
                    .contains("Configured Salon")
                    .contains("always (configured)");

            // the owner changes the hours while the service runs; an older record read late changes nothing
            persona(kafka, ws, "Chez Po", "Monday only (" + run + ")");
            WorkspacePersonaSet stale =
                    personaRecord(ws, "Chez Po", "stale hours", Instant.now().minusSeconds(3600));
            publish(kafka, Topics.personaKey(ws), stale);
            Thread.sleep(1500);
            ChatMessageScreened later = screened(ws, "When are you open?");
            send(kafka, later);
            assertThat(replyTo(kafka, later).getText()).contains("Monday only (" + run + ")");
        }
    }

    static ChatMessageScreened screened(String workspace, String text) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setMessageId(UUID.randomUUID())
                .setUserId("anon:" + UUID.randomUUID())
                .setAnonymous(true)
                .setText(text)
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .setWorkspaceId(workspace)
                .build();
    }

    static void persona(InfraExtension.KafkaBootstrap kafka, String ws, String name, String hours) throws Exception {
        publish(kafka, Topics.personaKey(ws), personaRecord(ws, name, hours, Instant.now()));
    }

    static WorkspacePersonaSet personaRecord(String ws, String name, String hours, Instant at) {
        return WorkspacePersonaSet.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at.truncatedTo(ChronoUnit.MILLIS))
                .setWorkspaceId(ws)
                .setBusinessName(name)
                .setHours(hours)
                .setServices(List.of("cuts"))
                .setTone("cheerful")
                .setUpdatedBy("owner")
                .build();
    }

    static void publish(InfraExtension.KafkaBootstrap kafka, String key, WorkspacePersonaSet record) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.WORKSPACE.name(), key, CODEC.encode(record)))
                    .get();
        }
    }
}
