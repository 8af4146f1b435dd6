package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.abuse.AbuseFlagged;
import app.donna.events.actions.ActionRequested;
import app.donna.events.actions.ActionStatus;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatMessageSubmitted;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.common.Decision;
import app.donna.events.common.EventSource;
import app.donna.events.common.Verdict;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code donna audit} against a real broker: a scripted conversation written to five topics, among another
 * visitor's events, comes back complete and in the order it happened, by user and by session, within a
 * time window, and as a readable report; asking for no one is a usage error.
 */
@ExtendWith(InfraExtension.class)
class AuditCommandTest {

    static final EventCodec CODEC = EventCodec.bundled();
    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aConversationsTimelineComesBackWholeAndInOrderFromEveryTopic(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        UUID session = UUID.randomUUID();
        String visitor = "anon:" + session;
        String other = "anon:" + UUID.randomUUID();
        Instant t0 = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
        UUID message = UUID.randomUUID();
        UUID action = UUID.randomUUID();
        List<Object[]> script = List.of(
                // written out of order across topics: the timeline orders them by when they happened
                new Object[] {Topics.ACTIONS, visitor, status(visitor, action, "staff-" + session, t0.plusSeconds(50))},
                new Object[] {Topics.CHAT_INBOUND, visitor, started(session, visitor, t0)},
                new Object[] {Topics.CHAT_INBOUND, visitor, submitted(session, visitor, message, t0.plusSeconds(10))},
                new Object[] {
                    Topics.CHAT_SCREENED, session.toString(), screened(session, visitor, message, t0.plusSeconds(11))
                },
                new Object[] {
                    Topics.CHAT_REPLIES, session.toString(), reply(session, visitor, message, t0.plusSeconds(13))
                },
                new Object[] {Topics.ACTIONS, visitor, requested(session, visitor, action, t0.plusSeconds(14))},
                new Object[] {Topics.ABUSE_FLAGS, visitor, flagged(session, visitor, t0.plusSeconds(40))},
                new Object[] {Topics.CHAT_INBOUND, other, started(UUID.randomUUID(), other, t0.plusSeconds(5))});
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.servers()));
                var producer = new KafkaProducer<>(
                        Map.<String, Object>of("bootstrap.servers", kafka.servers()),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
            for (Topic<?> topic : List.of(
                    Topics.CHAT_INBOUND,
                    Topics.CHAT_SCREENED,
                    Topics.CHAT_REPLIES,
                    Topics.ACTIONS,
                    Topics.ABUSE_FLAGS)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic.name(), topic.partitions(), (short) 1)))
                            .all()
                            .get();
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(TopicExistsException.class);
                }
            }
            for (Object[] step : script) {
                producer.send(new ProducerRecord<>(
                                ((Topic<?>) step[0]).name(), (String) step[1], CODEC.encode((SpecificRecordBase)
                                        step[2])))
                        .get();
            }
        }
        Map<String, String> env = Map.of("DONNA_KAFKA_BOOTSTRAP", kafka.servers());

        assertThat(types(audit(env, "--user", visitor)))
                .containsExactly(
                        "ChatSessionStarted",
                        "ChatMessageSubmitted",
                        "ChatMessageScreened",
                        "ChatReplyProduced",
                        "ActionRequested",
                        "AbuseFlagged",
                        "ActionStatusChanged");
        List<JsonNode> bySession = audit(env, "--session", session.toString());
        assertThat(types(bySession))
                .as("the session's, by its id or as the source of its requests")
                .containsExactly(
                        "ChatSessionStarted",
                        "ChatMessageSubmitted",
                        "ChatMessageScreened",
                        "ChatReplyProduced",
                        "ActionRequested",
                        "AbuseFlagged");
        JsonNode screened = bySession.get(2);
        assertThat(screened.get("topic").asString()).isEqualTo("donna.chat.screened");
        assertThat(screened.at("/event/text").asString()).isEqualTo("Can you call me back?");
        assertThat(screened.at("/event/verdict/decision").asString()).isEqualTo("ALLOW");
        assertThat(types(audit(
                        env,
                        "--user",
                        visitor,
                        "--from",
                        t0.plusSeconds(12).toString(),
                        "--to",
                        t0.plusSeconds(45).toString())))
                .containsExactly("ChatReplyProduced", "ActionRequested", "AbuseFlagged");
        assertThat(types(audit(env, "--user", "staff-" + session)))
                .as("what a member of staff did")
                .containsExactly("ActionStatusChanged");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Donna.run(
                        new String[] {"audit", "--user", visitor, "--format", "report"},
                        env,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("ChatMessageScreened")
                .contains("text=Can you call me back?")
                .contains("verdict=ALLOW")
                .contains("status=DONE");
        assertThat(Donna.run(
                        new String[] {"audit"},
                        env,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .as("whose timeline is not said")
                .isEqualTo(2);
    }

    static List<JsonNode> audit(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "audit";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = Donna.run(
                all,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    static List<String> types(List<JsonNode> lines) {
        return lines.stream().map(l -> l.get("type").asString()).toList();
    }

    static ChatSessionStarted started(UUID session, String visitor, Instant at) {
        return ChatSessionStarted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setSessionId(session)
                .setUserId(visitor)
                .setAnonymous(true)
                .build();
    }

    static ChatMessageSubmitted submitted(UUID session, String visitor, UUID message, Instant at) {
        return ChatMessageSubmitted.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setSessionId(session)
                .setMessageId(message)
                .setUserId(visitor)
                .setAnonymous(true)
                .setText("Can you call me back?")
                .build();
    }

    static ChatMessageScreened screened(UUID session, String visitor, UUID message, Instant at) {
        return ChatMessageScreened.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setSessionId(session)
                .setMessageId(message)
                .setUserId(visitor)
                .setAnonymous(true)
                .setText("Can you call me back?")
                .setVerdict(Verdict.newBuilder().setDecision(Decision.ALLOW).build())
                .setSubmittedEventId(UUID.randomUUID())
                .build();
    }

    static ChatReplyProduced reply(UUID session, String visitor, UUID message, Instant at) {
        return ChatReplyProduced.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setSessionId(session)
                .setReplyId(UUID.randomUUID())
                .setInReplyToMessageId(message)
                .setUserId(visitor)
                .setText("Of course: what number?")
                .setDecision(Decision.ALLOW)
                .setDegraded(false)
                .build();
    }

    static ActionRequested requested(UUID session, String visitor, UUID action, Instant at) {
        return ActionRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(visitor)
                .setActionId(action)
                .setKind("secretary.take_message")
                .setIntegration("secretary")
                .setPayloadJson("{}")
                .setSource(EventSource.CHAT)
                .setSourceId(session.toString())
                .build();
    }

    static ActionStatusChanged status(String visitor, UUID action, String staff, Instant at) {
        return ActionStatusChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(visitor)
                .setActionId(action)
                .setWorkspaceId("default")
                .setStatus(ActionStatus.DONE)
                .setChangedBy(staff)
                .build();
    }

    static AbuseFlagged flagged(UUID session, String visitor, Instant at) {
        return AbuseFlagged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(visitor)
                .setAnonymous(true)
                .setSource(EventSource.CHAT)
                .setSessionId(session.toString())
                .setMessageId("m")
                .setDecision(Decision.FLAG)
                .setReasons(List.of())
                .setTriggeringEventId(UUID.randomUUID())
                .build();
    }
}
