package app.donna.voice.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.voice.VoiceEndReason;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceTranscript;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInRealtime;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.RealtimeCaller;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import app.donna.voice.VoiceRelayApplication;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Calls that outlast a model session, and sides that stop keeping up: a call rolls over to a fresh model
 * session carrying what was said, without the caller's connection noticing; a model or a caller that stops
 * reading ends the call after the send timeout instead of making the relay buffer without bound.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = VoiceRelayApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + VoiceRelayApplication.CONFIG_NAME)
class LongAndSlowCallsTest {

    static final int PORT = LocalPorts.free();
    static final URI RELAY = RelayUnderTest.relay(PORT);
    static final String SERVER_KEY = "sk-server-" + UUID.randomUUID();
    static final EventCodec CODEC = EventCodec.bundled();
    static final StandInRealtime MODEL = new StandInRealtime(SERVER_KEY).answering("Of course.");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        RelayUnderTest.properties(registry, PORT, MODEL, SERVER_KEY);
        registry.add("donna.voice.relay.rollover-after", () -> "4s");
        registry.add("donna.voice.relay.send-timeout", () -> "1s");
        registry.add("donna.voice.relay.messages-per-second", () -> "1000");
    }

    @AfterAll
    static void stopModel() {
        MODEL.close();
    }

    @Autowired
    DevTokenIssuer issuer;

    @Test
    void aLongCallRollsOverToAFreshModelSessionThatKnowsWhatWasSaid() throws Exception {
        int connectionsBefore = MODEL.connectionsAccepted();
        try (RealtimeCaller caller = RealtimeCaller.serverClient(RELAY, issuer.mint("rolf"))) {
            caller.next("session.updated");
            caller.say("My name is Rolf and I would like a haircut on Friday");
            caller.next("response.done");

            // the relay opens the next model session, seeded, and switches to it between turns
            await().atMost(Duration.ofSeconds(20)).until(() -> MODEL.connectionsAccepted() >= connectionsBefore + 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> MODEL.openCalls() == 1);
            Map<String, Object> seeded = MODEL.received("session.update").getLast();
            assertThat(String.valueOf(((Map<?, ?>) seeded.get("session")).get("instructions")))
                    .contains("renewed connection")
                    .contains("Caller: My name is Rolf and I would like a haircut on Friday")
                    .contains("You: Of course.");

            caller.say("Are you still there?");
            assertThat(caller.next("conversation.item.input_audio_transcription.completed")
                            .path("transcript")
                            .asString())
                    .isEqualTo("Are you still there?");
            caller.next("response.done");
            assertThat(caller.closed)
                    .as("the caller's connection was never touched")
                    .isNotDone();
            assertThat(caller.types())
                    .as("the new session's greeting is not the caller's business")
                    .containsOnlyOnce("session.created");
        }
    }

    @Test
    void aModelThatStopsReadingEndsTheCallAfterTheSendTimeout(InfraExtension.KafkaBootstrap kafka) throws Exception {
        try (RealtimeCaller caller = RealtimeCaller.serverClient(RELAY, issuer.mint("sid"))) {
            caller.next("session.updated");
            MODEL.stopReading();
            String chunk = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + "QUJD".repeat(15_000) + "\"}";
            // the relay writes one message at a time: once the model's socket is full, it stops reading the
            // caller's, then ends the call
            for (int i = 0; i < 2_000 && !caller.closed.isDone(); i++) {
                try {
                    caller.sendText(chunk);
                } catch (CompletionException stuckOrClosed) {
                    break;
                }
            }
            RealtimeCaller.Closed closed = caller.awaitClose();
            assertThat(closed.code()).isEqualTo(1011);
            assertThat(closed.reason()).contains("not keeping up");
        } finally {
            MODEL.resumeReading();
        }
        VoiceSessionEnded ended = endOf(kafka, "sid");
        assertThat(ended.getReason()).isEqualTo(VoiceEndReason.ERROR);
        assertThat(ended.getError()).contains("did not take an event within PT1S");
    }

    @Test
    void aCallerThatStopsReadingEndsTheCallAfterTheSendTimeout(InfraExtension.KafkaBootstrap kafka) throws Exception {
        MODEL.echo(true);
        try (RealtimeCaller caller = RealtimeCaller.serverClient(RELAY, issuer.mint("carl"))) {
            caller.next("session.updated");
            caller.pauseReading();
            String chunk = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + "QUJD".repeat(15_000) + "\"}";
            for (int i = 0; i < 2_000; i++) {
                try {
                    caller.sendText(chunk);
                } catch (CompletionException stuckOrClosed) {
                    break;
                }
                if (i % 50 == 0 && endedYet(kafka, "carl")) {
                    break;
                }
            }
            VoiceSessionEnded ended = endOf(kafka, "carl");
            assertThat(ended.getReason()).isEqualTo(VoiceEndReason.ERROR);
            assertThat(ended.getError()).contains("caller's connection failed");
            caller.resumeReading();
        } finally {
            MODEL.echo(false);
        }
    }

    @Test
    void aCallGoesOnWhileTheBrokerIsAwayAndItsTrailArrivesWhenItIsBack(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        try (RealtimeCaller caller = RealtimeCaller.serverClient(RELAY, issuer.mint("bea"))) {
            caller.next("session.updated");
            try (SharedInfra.Outage outage = SharedInfra.stopKafka()) {
                // audio and answers do not wait for the broker
                caller.say("Are you open while the broker is away?");
                assertThat(caller.next("conversation.item.input_audio_transcription.completed")
                                .path("transcript")
                                .asString())
                        .isEqualTo("Are you open while the broker is away?");
                caller.next("response.done");
            }
        }
        // nothing of the call was lost: the trail reaches the broker once it is back
        List<VoiceTranscript> said = TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.VOICE_EVENTS.name(),
                        r -> CODEC.decode(r.value()) instanceof VoiceTranscript t
                                && t.getUserId().equals("bea"),
                        2,
                        Duration.ofSeconds(60))
                .stream()
                .map(r -> (VoiceTranscript) CODEC.decode(r.value()))
                .toList();
        assertThat(said).extracting(VoiceTranscript::getText).contains("Are you open while the broker is away?");
        assertThat(endOf(kafka, "bea", Duration.ofSeconds(60)).getReason()).isEqualTo(VoiceEndReason.CLIENT_CLOSED);
    }

    private static boolean endedYet(InfraExtension.KafkaBootstrap kafka, String user) {
        try {
            endOf(kafka, user, Duration.ofMillis(300));
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException notYet) {
            return false;
        }
    }

    private static VoiceSessionEnded endOf(InfraExtension.KafkaBootstrap kafka, String user) {
        return endOf(kafka, user, Duration.ofSeconds(20));
    }

    private static VoiceSessionEnded endOf(InfraExtension.KafkaBootstrap kafka, String user, Duration timeout) {
        return TopicReader.readUntilFound(
                        kafka.servers(),
                        Topics.VOICE_EVENTS.name(),
                        r -> CODEC.decode(r.value()) instanceof VoiceSessionEnded e
                                && e.getUserId().equals(user),
                        timeout)
                .stream()
                .map(r -> (VoiceSessionEnded) CODEC.decode(r.value()))
                .findFirst()
                .orElseThrow();
    }
}
