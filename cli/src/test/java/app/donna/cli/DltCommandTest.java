package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatTakenOver;
import app.donna.events.ops.DeadLettersRedriven;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code donna dlt} on a real broker: dead letters listed and shown with their reasons; a fixed one redriven
 * to its source topic once, however often the command runs, with its bytes intact and the failure's headers
 * left behind; the redrive recorded on donna.ops.audit before it happens; and no redrive without a reason.
 */
@ExtendWith(InfraExtension.class)
class DltCommandTest {

    static final EventCodec CODEC = EventCodec.bundled();

    @Test
    void aFixedDeadLetterIsRedrivenOnceAndTheRedriveIsOnTheRecord() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String topic :
                List.of(Topics.CHAT_SCREENED.name(), Topics.CHAT_SCREENED.deadLetterName(), Topics.OPS_AUDIT.name())) {
            SharedInfra.ensureTopic(topic, topic.equals(Topics.OPS_AUDIT.name()) ? 1 : 6, Map.of());
        }
        ChatTakenOver fixed = ChatTakenOver.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSessionId(UUID.randomUUID())
                .setUserId("anon:" + run)
                .setStaffId("staff-" + run)
                .setWorkspaceId("ws-1")
                .build();
        byte[] bytes = CODEC.encode(fixed);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", SharedInfra.kafkaBootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.deadLetterName(),
                            2,
                            fixed.getSessionId().toString().getBytes(StandardCharsets.UTF_8),
                            bytes,
                            new RecordHeaders()
                                    .add("donna_dlt-reason", ("DataException: value too long " + run).getBytes())
                                    .add(
                                            "kafka_dlt-original-topic",
                                            Topics.CHAT_SCREENED.name().getBytes())
                                    .add("traceparent", "00-abc-def-01".getBytes())))
                    .get();
            producer.send(new ProducerRecord<>(
                            Topics.CHAT_SCREENED.deadLetterName(),
                            3,
                            ("poison-" + run).getBytes(StandardCharsets.UTF_8),
                            "not an event".getBytes(StandardCharsets.UTF_8),
                            new RecordHeaders().add("donna_dlt-reason", ("EventDecodingException: " + run).getBytes())))
                    .get();
        }

        Result listed = donna("dlt", "list");
        assertThat(listed.out()).containsPattern("donna.chat.screened\\s+\\d+ dead letter");
        Result shown = donna("dlt", "show", Topics.CHAT_SCREENED.name(), "--filter", run);
        assertThat(shown.out())
                .contains("DataException: value too long " + run)
                .contains("ChatTakenOver")
                .contains("EventDecodingException: " + run)
                .contains("not an event this version reads");

        assertThat(donna("dlt", "redrive", Topics.CHAT_SCREENED.name(), "--filter", "staff-" + run)
                        .exit())
                .as("no redrive without a reason")
                .isEqualTo(2);
        Result redriven = donna(
                "dlt",
                "redrive",
                Topics.CHAT_SCREENED.name(),
                "--filter",
                "staff-" + run,
                "--reason",
                "column widened in V99",
                "--operator",
                "ops-ann");
        assertThat(redriven.exit()).as(redriven.err()).isZero();
        assertThat(redriven.out()).contains("Redrove 1 dead letter(s)");
        assertThat(donna(
                                "dlt",
                                "redrive",
                                Topics.CHAT_SCREENED.name(),
                                "--filter",
                                "staff-" + run,
                                "--reason",
                                "again, by mistake")
                        .out())
                .as("a dead letter is redriven once")
                .contains("Nothing to redrive");

        // back on its topic once, as it was, without the failure's headers
        var back = TopicReader.readUntilFound(
                SharedInfra.kafkaBootstrapServers(),
                Topics.CHAT_SCREENED.name(),
                r -> !TopicReader.header(r, "donna_redriven-from").isEmpty()
                        && new String(r.key(), StandardCharsets.UTF_8)
                                .equals(fixed.getSessionId().toString()),
                Duration.ofSeconds(10));
        Thread.sleep(500);
        assertThat(back).hasSize(1);
        assertThat(back.getFirst().value()).isEqualTo(bytes);
        assertThat(TopicReader.header(back.getFirst(), "traceparent")).isEqualTo("00-abc-def-01");
        assertThat(TopicReader.header(back.getFirst(), "donna_dlt-reason")).isEmpty();
        assertThat(TopicReader.header(back.getFirst(), "kafka_dlt-original-topic"))
                .isEmpty();

        // and the redrive is on the record: who, how many, which, why
        DeadLettersRedriven record = TopicReader.readUntilFound(
                        SharedInfra.kafkaBootstrapServers(),
                        Topics.OPS_AUDIT.name(),
                        r -> CODEC.decode(r.value()) instanceof DeadLettersRedriven d
                                && "staff-".concat(run).equals(d.getFilter()),
                        Duration.ofSeconds(10))
                .stream()
                .map(r -> (DeadLettersRedriven) CODEC.decode(r.value()))
                .findFirst()
                .orElseThrow();
        assertThat(record.getOperator()).isEqualTo("ops-ann");
        assertThat(record.getReason()).isEqualTo("column widened in V99");
        assertThat(record.getCount()).isEqualTo(1);
        assertThat(record.getSubject()).isEqualTo(Topics.CHAT_SCREENED.name());
        assertThat(record.getOffsets()).hasSize(1).allMatch(o -> o.startsWith("2:"));
        assertThat(donna("dlt", "show", "donna.nope").exit()).isEqualTo(2);
    }

    record Result(int exit, String out, String err) {}

    static Result donna(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Donna.run(
                args,
                Map.of("DONNA_KAFKA_BOOTSTRAP", SharedInfra.kafkaBootstrapServers()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
